// The edge handler as a Cloudflare Worker, under workerd (`wrangler dev --local`).
import { edgeSuite } from "./suite.mjs";
import { weatherSuite } from "./weather.mjs";
import { startWorkerd } from "./runtimes.mjs";

edgeSuite("workerd", startWorkerd);
weatherSuite("workerd", startWorkerd);
