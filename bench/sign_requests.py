"""Pre-signs InvokeEndpoint requests with botocore's own SigV4 signer and writes
a wrk Lua script that sends them. SigV4 has no nonce: a signature stays valid
for the 5 minutes of allowed clock skew, which covers a benchmark run.

Usage: python bench/sign_requests.py URL KEY SECRET OUT.lua TARGET... [--zipf S] [--body JSON]
                                     [--callers N]
With several targets, each request picks one: uniformly, or by a Zipf law of
exponent S over the targets in the order given (rank 1 most popular). The body
is the seed's {"period": 7} unless --body gives another. With --callers N, the
target of rank r is signed by access key KEY + str(r % N) (same SECRET), so
the load comes from N callers, as an endpoint serving many customers sees it.
"""
import json
import sys

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

args = sys.argv[1:]
zipf = None
if "--zipf" in args:
    i = args.index("--zipf")
    zipf = float(args[i + 1])
    del args[i:i + 2]
body = '{"period": 7}'
if "--body" in args:
    i = args.index("--body")
    body = args[i + 1]
    del args[i:i + 2]
callers = None
if "--callers" in args:
    i = args.index("--callers")
    callers = int(args[i + 1])
    del args[i:i + 2]
url, key, secret, out, targets = args[0], args[1], args[2], args[3], args[4:]
entries = []
for rank, target in enumerate(targets):
    creds = Credentials(key + str(rank % callers) if callers else key, secret)
    req = AWSRequest(method="POST", url=f"{url}/endpoints/gridcast/invocations", data=body,
                     headers={"Content-Type": "application/json", "X-Amzn-SageMaker-Target-Model": target})
    SigV4Auth(creds, "sagemaker", "us-east-1").add_auth(req)
    headers = {k: v for k, v in req.headers.items()}
    headers["Host"] = url.split("://", 1)[1].split("/", 1)[0]  # signed; wrk.format does not add it
    entries.append(headers)

weights = [1.0 / (r ** zipf) for r in range(1, len(targets) + 1)] if zipf else [1.0] * len(targets)
total = sum(weights)
cumulative, acc = [], 0.0
for w in weights:
    acc += w / total
    cumulative.append(acc)

with open(out, "w") as f:
    f.write("local requests = {}\nlocal cdf = {}\n")
    for i, (h, c) in enumerate(zip(entries, cumulative)):
        headers = ", ".join(f'[{json.dumps(k)}] = {json.dumps(v)}' for k, v in h.items())
        f.write(f"requests[{i + 1}] = wrk.format('POST', '/endpoints/gridcast/invocations', {{{headers}}}, {json.dumps(body)})\n")
        f.write(f"cdf[{i + 1}] = {c!r}\n")
    f.write("""
local n = #requests
request = function()
  if n == 1 then return requests[1] end
  local u = math.random()
  local lo, hi = 1, n
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if cdf[mid] < u then lo = mid + 1 else hi = mid end
  end
  return requests[lo]
end
""")
