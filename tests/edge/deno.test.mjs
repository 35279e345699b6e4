// The edge handler under Deno (`deno serve`).
import { edgeSuite } from "./suite.mjs";
import { startDeno } from "./runtimes.mjs";

edgeSuite("deno", startDeno);
