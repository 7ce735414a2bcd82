// Offline schema check of Kubernetes manifests: each object is validated against the JSON schema kubernetes-models
// 5.1.0 generated from the Kubernetes 1.34 OpenAPI (types, enums, required fields, formats; it knows the 1.30+
// `sleep` preStop action the Deployment uses). Unknown fields are not reported by these schemas; the .NET
// ManifestTests load the same files strictly (unknown fields fail) for that. Run by scripts/validate-manifests.sh
// (part of ./test.sh):
//   npm install --prefix deploy/validate
//   node deploy/validate/validate.mjs --kustomization deploy/k8s deploy/k8s/secret.example.yaml
//   node deploy/validate/validate.mjs --kustomization deploy/k8s/monitoring
//   kubectl kustomize deploy/k8s | node deploy/validate/validate.mjs -
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";

// Sources: files, "-" for stdin, or --kustomization DIR for every resource its kustomization.yaml lists.
const sources = [];
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--kustomization") {
    const dir = args[++i];
    const kustomization = parse(readFileSync(join(dir, "kustomization.yaml"), "utf8"));
    for (const resource of kustomization.resources ?? []) sources.push(join(dir, resource));
  } else {
    sources.push(args[i]);
  }
}
if (sources.length === 0) sources.push("-");

let passed = 0;
let failed = 0;
for (const source of sources) {
const text = readFileSync(source === "-" ? 0 : source, "utf8");
for (const document of parseAllDocuments(text)) {
  if (document.errors.length > 0) {
    failed++;
    console.log(`FAIL YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }

  const object = document.toJS();
  if (!object) continue;
  const where = `${source}: ${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
  let Model;
  try {
    // Core objects live under "v1", the others under "<group>/<version>".
    // Custom resources have no schema in the Kubernetes OpenAPI: the Prometheus Operator's (ServiceMonitor,
    // PrometheusRule) come from @kubernetes-models/prometheus-operator, generated from the operator's CRDs.
    const models = object.apiVersion?.startsWith("monitoring.coreos.com/") ? "@kubernetes-models/prometheus-operator" : "kubernetes-models";
    const module = await import(`${models}/${object.apiVersion}/${object.kind}`);
    Model = module[object.kind] ?? module.default;
  } catch {
    failed++;
    console.log(`FAIL ${where}: no schema for this apiVersion/kind`);
    continue;
  }

  try {
    new Model(object).validate();
    passed++;
    console.log(`ok   ${where}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${where}: ${error.message}`);
  }
}
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
