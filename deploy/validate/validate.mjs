// Offline schema check of Kubernetes manifests: each object is validated against the JSON schema kubernetes-models
// generated from the Kubernetes OpenAPI (types, enums, required fields). Unknown fields are not reported here; the
// .NET ManifestTests load the same files strictly for that.
//   npm install --prefix deploy/validate
//   kubectl kustomize deploy/k8s | node deploy/validate/validate.mjs -
//   node deploy/validate/validate.mjs deploy/k8s/secret.example.yaml
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const source = process.argv[2] ?? "-";
const text = readFileSync(source === "-" ? 0 : source, "utf8");
let passed = 0;
let failed = 0;
for (const document of parseAllDocuments(text)) {
  if (document.errors.length > 0) {
    failed++;
    console.log(`FAIL YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    continue;
  }

  const object = document.toJS();
  if (!object) continue;
  const where = `${object.apiVersion} ${object.kind}/${object.metadata?.name}`;
  let Model;
  try {
    // Core objects live under "v1", the others under "<group>/<version>".
    const module = await import(`kubernetes-models/${object.apiVersion}/${object.kind}`);
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

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
