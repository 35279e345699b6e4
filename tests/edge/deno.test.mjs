// The edge handler under Deno (`deno serve`).
import { edgeSuite } from "./suite.mjs";
import { weatherSuite } from "./weather.mjs";
import { startDeno } from "./runtimes.mjs";

edgeSuite("deno", startDeno);
weatherSuite("deno", startDeno);
