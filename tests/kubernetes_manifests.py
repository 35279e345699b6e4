"""The Kubernetes manifests (deploy/kubernetes), offline.

No cluster runs here, so each manifest is checked three ways:

1. Schemas: every object validates, strictly (no unknown fields), against the
   OpenAPI schemas of the oldest and the newest Kubernetes they are written
   for, bundled in PyPI's kubernetes-validate.
2. Wiring: what Kubernetes would not catch until run time — JOB_COMPLETIONS
   equals the Job's completions, Services, autoscalers and disruption budgets
   point at the Deployment's pods, every mount names a volume, every file an
   argument names lies under a mount, the probes reach a declared port.
3. Running: the binary is run with each container's args and env, as the
   kubelet would, against an S3 API on loopback (moto): every index of the
   Indexed Job with its JOB_COMPLETION_INDEX, which together must train every
   customer once into the bucket; then two pods of the Deployment, sharing
   its Secrets and serving those models, ready on their probe, answering a
   signed InvokeEndpoint, and honouring on one a sign-in made on the other.

Usage: python tests/kubernetes_manifests.py GRIDCAST_BIN
"""
import copy
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
import kubernetes_validate
import yaml
from botocore.config import Config

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = ROOT / "deploy" / "kubernetes"
# podFailurePolicy is GA from 1.31 (backoffLimitPerIndex is on by default there).
VERSIONS = ["1.31.0", "1.37.0"]
gridcast = sys.argv[1]
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    passed, failed = (passed + 1, failed) if ok else (passed, failed + 1)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f" {detail}"))
    return ok


def load(name):
    return [d for d in yaml.safe_load_all((MANIFESTS / name).read_text()) if d]


def one(docs, kind):
    found = [d for d in docs if d["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def env_of(container):
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def pod_labels(workload):
    return workload["spec"]["template"]["metadata"]["labels"]


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())


# 1. Schemas ---------------------------------------------------------------------
job_docs, serve_docs = load("train-job.yaml"), load("serve.yaml")
for doc in job_docs + serve_docs:
    for version in VERSIONS:
        try:
            kubernetes_validate.validate(doc, version, strict=True)
            check(f"{doc['kind']} {doc['metadata']['name']} is valid for Kubernetes {version}", True)
        except kubernetes_validate.ValidationError as e:
            check(f"{doc['kind']} {doc['metadata']['name']} is valid for Kubernetes {version}", False, e.message)

# The check itself can fail: a misspelt field and a wrong type are refused.
typo = copy.deepcopy(one(serve_docs, "Deployment"))
typo["spec"]["template"]["spec"]["containers"][0]["envv"] = []
wrong = copy.deepcopy(one(job_docs, "Job"))
wrong["spec"]["completions"] = "eight"
for name, doc in [("a misspelt field", typo), ("a string for a number", wrong)]:
    try:
        kubernetes_validate.validate(doc, VERSIONS[-1], strict=True)
        check(f"the schema check refuses {name}", False, "accepted")
    except kubernetes_validate.ValidationError:
        check(f"the schema check refuses {name}", True)

# 2. Wiring ------------------------------------------------------------------------
job = one(job_docs, "Job")
job_pod = job["spec"]["template"]["spec"]
(trainer,) = job_pod["containers"]
check("the Job is Indexed", job["spec"]["completionMode"] == "Indexed")
check("JOB_COMPLETIONS equals spec.completions",
      env_of(trainer).get("JOB_COMPLETIONS") == str(job["spec"]["completions"]), env_of(trainer))
check("the Job's pods are never restarted in place (podFailurePolicy needs it)", job_pod["restartPolicy"] == "Never")
rules = job["spec"]["podFailurePolicy"]["rules"]
check("the failure policy names the container", all(r["onExitCodes"]["containerName"] == trainer["name"] for r in rules))
check("the trainer runs `train` with no --shard", trainer["args"][0] == "train" and "--shard" not in trainer["args"])
check("the Job's service account exists", one(job_docs, "ServiceAccount")["metadata"]["name"] == job_pod["serviceAccountName"])

deployment = one(serve_docs, "Deployment")
serve_pod = deployment["spec"]["template"]["spec"]
(server,) = serve_pod["containers"]
labels = pod_labels(deployment)
service, hpa, pdb = one(serve_docs, "Service"), one(serve_docs, "HorizontalPodAutoscaler"), one(serve_docs, "PodDisruptionBudget")
check("the Deployment selects its own pods", selects(deployment["spec"]["selector"]["matchLabels"], labels))
check("the Service selects the Deployment's pods", selects(service["spec"]["selector"], labels))
port_names = {p["name"]: p["containerPort"] for p in server["ports"]}
check("the Service targets a declared port", all(p["targetPort"] in port_names for p in service["spec"]["ports"]))
check("the probes reach a declared port",
      all(server[p]["httpGet"]["port"] in port_names for p in ["readinessProbe", "livenessProbe"]))
check("GRIDCAST_PORT is the container port", env_of(server).get("GRIDCAST_PORT") == str(port_names["http"]))
target = hpa["spec"]["scaleTargetRef"]
check("the autoscaler scales the Deployment",
      (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"]))
check("the autoscaler keeps two replicas for availability", hpa["spec"]["minReplicas"] >= 2)
check("the disruption budget covers the Deployment's pods", selects(pdb["spec"]["selector"]["matchLabels"], labels))
check("the server's service account exists", one(serve_docs, "ServiceAccount")["metadata"]["name"] == serve_pod["serviceAccountName"])
dockerfile = (MANIFESTS / "Dockerfile").read_text()
for kind, pod in [("Job", job_pod), ("Deployment", serve_pod)]:
    volumes = {v["name"] for v in pod["volumes"]}
    (container,) = pod["containers"]
    mounts = [m["mountPath"] for m in container.get("volumeMounts", [])]
    check(f"the {kind}'s mounts name its volumes", all(m["name"] in volumes for m in container["volumeMounts"]))
    files = [a for a in container["args"] if a.startswith("/")]
    check(f"the {kind}'s file arguments lie under its mounts",
          all(any(f.startswith(m + "/") or f == m for m in mounts) for f in files), files)
    check(f"the {kind} runs as the image's user",
          f"USER {pod['securityContext']['runAsUser']}:" in dockerfile and pod["securityContext"]["runAsNonRoot"])
    check(f"the {kind}'s root file system is read-only, so everything written is on a volume",
          container["securityContext"]["readOnlyRootFilesystem"] and "/tmp" in mounts)
check("one image for both", trainer["image"] == server["image"])
secrets = {v["name"]: v["secret"]["secretName"] for v in serve_pod["volumes"] if "secret" in v}
key_file = server["args"][server["args"].index("--session-key-file") + 1]
key_mount = next(m for m in server["volumeMounts"] if key_file.startswith(m["mountPath"] + "/"))
check("every replica reads the session key from one Secret",
      secrets.get(key_mount["name"]) == "gridcast-session-key" and key_mount.get("readOnly"), key_mount)
check("the Deployment runs more than one replica", deployment["spec"]["replicas"] >= 2)


# 3. Running ---------------------------------------------------------------------
def s3_url(args, flag):
    url = args[args.index(flag) + 1]
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    return bucket, prefix


def run_container(container, env_overrides, mounts):
    """argv and env as the kubelet gives them, with each mount path replaced by a local directory."""
    def local(arg):
        under = [m for m in mounts if arg == m or arg.startswith(m + "/")]
        if not under:
            return arg
        mount = max(under, key=len)
        return str(mounts[mount]) + arg[len(mount):]

    args = [local(a) for a in container["args"]]
    env = {"PATH": os.environ["PATH"], **env_of(container), **env_overrides}
    return [gridcast, *args], env


with tempfile.TemporaryDirectory() as tmp:
    tmp = Path(tmp)
    moto_port = free_port()
    moto = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pods = []
    try:
        wait_for_port(moto_port)
        s3_endpoint = f"http://127.0.0.1:{moto_port}"
        aws = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "GRIDCAST_STORE_RETRY_SECONDS": "2", "GRIDCAST_LOG": "warn"}
        s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        in_bucket, in_prefix = s3_url(trainer["args"], "--input")
        out_bucket, out_prefix = s3_url(trainer["args"], "--output")
        for bucket in {in_bucket, out_bucket}:
            s3.create_bucket(Bucket=bucket)

        # The processed customers, as the processing step leaves them in the bucket.
        customers = 12
        subprocess.run([gridcast, "generate", "--customers", str(customers), "--end", "2022-04-30",
                        "--out", str(tmp / "energy.csv")], check=True, capture_output=True)
        subprocess.run([gridcast, "process", "--input", str(tmp / "energy.csv"), "--output", str(tmp / "processed")],
                       check=True, capture_output=True)
        for csv in (tmp / "processed").glob("*.csv"):
            s3.upload_file(str(csv), in_bucket, f"{in_prefix}/{csv.name}")

        # Every index of the Indexed Job, as Kubernetes starts them.
        completions = job["spec"]["completions"]
        exits = []
        for index in range(completions):
            argv, env = run_container(trainer, {**aws, "JOB_COMPLETION_INDEX": str(index)},
                                      {"/tmp": tmp / f"pod-{index}"})
            exits.append(subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300))
        check("every index of the Job succeeds", all(e.returncode == 0 for e in exits),
              [e.stderr[-500:] for e in exits if e.returncode])
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=out_bucket, Prefix=out_prefix + "/").get("Contents", [])]
        models = sorted(k.rsplit("/", 1)[1] for k in keys if k.endswith(".tar.gz"))
        check("together the indexes train every customer once into the bucket",
              models == sorted(f"{i}.tar.gz" for i in range(customers)), models)
        reports = sorted(k.rsplit("/", 1)[1] for k in keys if "training-report" in k)
        check("each index writes its own report",
              reports == sorted(f"training-report-shard-{i}-of-{completions}.json" for i in range(1, completions + 1)),
              reports)
        argv, env = run_container(trainer, {**aws, "JOB_COMPLETION_INDEX": str(completions)}, {})
        outside = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        check("an index outside the Job is refused, saying why",
              outside.returncode != 0 and f"JOB_COMPLETION_INDEX={completions} is outside" in outside.stderr,
              outside.stderr[-300:])

        # The Deployment's container with its Secret mounted, serving what the Job trained.
        config = tmp / "config"
        config.mkdir()
        (config / "auth.json").write_text(json.dumps({"principals": [
            {"access_key_id": "AKIDOPERATOR", "secret_access_key": "operator-secret", "target_models": ["*"]}]}))
        subprocess.run([gridcast, "users", "add", "--users", str(config / "users.json"), "--customer", "3"],
                       input="customer-3-password\n", text=True, check=True, capture_output=True)
        session = tmp / "session"
        session.mkdir()
        (session / "session.key").write_bytes(os.urandom(32))

        def pod(name):
            """One replica of the Deployment: its own volumes, the Secrets shared."""
            port = free_port()
            mounts = {m["mountPath"]: tmp / f"{name}-{m['name']}" for m in server["volumeMounts"]}
            mounts["/etc/gridcast/config"] = config
            mounts["/etc/gridcast/session"] = session
            for local in mounts.values():
                local.mkdir(exist_ok=True)
            argv, env = run_container(server, {**aws, "GRIDCAST_HOST": "127.0.0.1", "GRIDCAST_PORT": str(port)}, mounts)
            process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            pods.append(process)
            try:
                wait_for_port(port)
            except RuntimeError:
                process.kill()
                raise RuntimeError(f"{' '.join(argv)}: {process.communicate()[1][-2000:]}")
            return f"http://127.0.0.1:{port}"

        url, other_pod = pod("a"), pod("b")
        probe = server["readinessProbe"]["httpGet"]["path"]
        with urllib.request.urlopen(url + probe, timeout=10) as r:
            check("the readiness probe answers 200", r.status == 200)
        runtime = boto3.client("sagemaker-runtime", endpoint_url=url, region_name="us-east-1",
                               aws_access_key_id="AKIDOPERATOR", aws_secret_access_key="operator-secret",
                               config=Config(retries={"max_attempts": 1}))
        answer = json.loads(runtime.invoke_endpoint(EndpointName="gridcast", TargetModel="7.tar.gz",
                                                    Body=b'{"period": 7}', ContentType="application/json")["Body"].read())
        check("the served Deployment answers InvokeEndpoint from the bucket", len(answer["yhat"]) == 7, answer)
        login = urllib.request.Request(url + "/auth/login", method="POST",
                                       data=json.dumps({"customer_id": "3", "password": "customer-3-password"}).encode(),
                                       headers={"content-type": "application/json"})
        with urllib.request.urlopen(login, timeout=10) as r:
            credentials = json.loads(r.read())
        # Signed in through one pod, forecasting through the other: the Secret's key is shared.
        customer = boto3.client("sagemaker-runtime", endpoint_url=other_pod, region_name=credentials["Region"],
                                aws_access_key_id=credentials["AccessKeyId"],
                                aws_secret_access_key=credentials["SecretAccessKey"],
                                aws_session_token=credentials["SessionToken"], config=Config(retries={"max_attempts": 1}))
        own = json.loads(customer.invoke_endpoint(EndpointName="gridcast", TargetModel=credentials["TargetModel"],
                                                  Body=b'{"period": 3}', ContentType="application/json")["Body"].read())
        check("a customer signs in on one pod with the users file from the Secret and forecasts on another",
              credentials["TargetModel"] == "3.tar.gz" and len(own["yhat"]) == 3, credentials["TargetModel"])
    finally:
        for process in pods:
            process.terminate()
            process.wait(timeout=30)
        moto.terminate()
        moto.wait(timeout=30)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
