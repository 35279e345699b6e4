// The edge handler under Node 20 (`node dist/edge/serve.mjs`).
import { edgeSuite } from "./suite.mjs";
import { weatherSuite } from "./weather.mjs";
import { startNode } from "./runtimes.mjs";

edgeSuite("node", startNode);
weatherSuite("node", startNode);
