// Command clientgo-checker prints what client-go's server-side-apply extraction returns, so
// kubegen's extraction can be compared with the real thing (test/integration/apply/
// extract-clientgo.test.ts). It reads JSON lines on stdin and writes one JSON line per case on
// stdout, in order:
//
//	{"openapiName": "g/v", "openapi": {...}}         register a group-version's OpenAPI v3 document
//	{"id": "x", "object": {...}, "manager": "m", "subresource": "status"}
//	{"id": "y", "object": {...}, "manager": "m", "openapiName": "g/v"}
//
// A case without openapiName is a built-in and goes through client-go's generated
// Extract<Kind>From (applyconfigurations/<group>/<version>). A case with one goes through
// managedfields.ExtractInto with a parser built from that document (the same conversion
// managedfields.NewTypeConverter makes), then sets name, namespace, kind and apiVersion as
// client-go's UnstructuredExtractor does. Answers: {"id": "x", "result": {...}} or
// {"id": "x", "error": "..."}; registrations answer {"registered": "g/v"}.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/managedfields"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	coreac "k8s.io/client-go/applyconfigurations/core/v1"
	"k8s.io/kube-openapi/pkg/schemaconv"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/structured-merge-diff/v6/typed"
)

type request struct {
	ID          string          `json:"id"`
	Object      json.RawMessage `json:"object"`
	Manager     string          `json:"manager"`
	Subresource string          `json:"subresource"`
	OpenAPIName string          `json:"openapiName"`
	OpenAPI     json.RawMessage `json:"openapi"`
}

type answer struct {
	ID         string `json:"id,omitempty"`
	Result     any    `json:"result,omitempty"`
	Error      string `json:"error,omitempty"`
	Registered string `json:"registered,omitempty"`
}

// A registered group-version: its parser and its schemas, to find a kind's type name.
type document struct {
	parser  *typed.Parser
	schemas map[string]*spec.Schema
}

func main() {
	docs := map[string]*document{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 256<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var req request
		var ans answer
		if err := json.Unmarshal(line, &req); err != nil {
			ans.Error = fmt.Sprintf("reading a request: %v", err)
		} else if len(req.OpenAPI) > 0 {
			if err := register(docs, req.OpenAPIName, req.OpenAPI); err != nil {
				ans.Error = err.Error()
			} else {
				ans.Registered = req.OpenAPIName
			}
		} else {
			ans.ID = req.ID
			res, err := extract(docs, req)
			if err != nil {
				ans.Error = err.Error()
			} else {
				ans.Result = res
			}
		}
		if err := out.Encode(ans); err != nil {
			fmt.Fprintln(os.Stderr, "clientgo-checker: writing:", err)
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "clientgo-checker: reading stdin:", err)
		os.Exit(1)
	}
}

func register(docs map[string]*document, name string, raw json.RawMessage) error {
	if name == "" {
		return fmt.Errorf("an openapi document needs an openapiName")
	}
	var doc spec3.OpenAPI
	if err := json.Unmarshal(raw, &doc); err != nil {
		return fmt.Errorf("parsing the OpenAPI v3 document %s: %v", name, err)
	}
	if doc.Components == nil {
		return fmt.Errorf("the OpenAPI v3 document %s has no components", name)
	}
	// preserveUnknownFields=false, as client-go's UnstructuredExtractor builds its parser.
	s, err := schemaconv.ToSchemaFromOpenAPI(doc.Components.Schemas, false)
	if err != nil {
		return fmt.Errorf("converting the OpenAPI v3 document %s: %v", name, err)
	}
	docs[name] = &document{parser: &typed.Parser{Schema: *s}, schemas: doc.Components.Schemas}
	return nil
}

func extract(docs map[string]*document, req request) (any, error) {
	if req.OpenAPIName != "" {
		doc := docs[req.OpenAPIName]
		if doc == nil {
			return nil, fmt.Errorf("no OpenAPI document registered as %q", req.OpenAPIName)
		}
		return extractUnstructured(doc, req)
	}
	var head struct{ APIVersion, Kind string }
	if err := json.Unmarshal(req.Object, &head); err != nil {
		return nil, err
	}
	switch head.APIVersion + "/" + head.Kind {
	case "apps/v1/Deployment":
		return typedExtract(req, func(o *appsv1.Deployment) (any, error) { return appsac.ExtractDeploymentFrom(o, req.Manager, req.Subresource) })
	case "apps/v1/StatefulSet":
		return typedExtract(req, func(o *appsv1.StatefulSet) (any, error) { return appsac.ExtractStatefulSetFrom(o, req.Manager, req.Subresource) })
	case "v1/Pod":
		return typedExtract(req, func(o *corev1.Pod) (any, error) { return coreac.ExtractPodFrom(o, req.Manager, req.Subresource) })
	case "v1/ConfigMap":
		return typedExtract(req, func(o *corev1.ConfigMap) (any, error) { return coreac.ExtractConfigMapFrom(o, req.Manager, req.Subresource) })
	case "v1/Service":
		return typedExtract(req, func(o *corev1.Service) (any, error) { return coreac.ExtractServiceFrom(o, req.Manager, req.Subresource) })
	}
	return nil, fmt.Errorf("no built-in extractor for %s %s (pass an OpenAPI document for other kinds)", head.APIVersion, head.Kind)
}

// typedExtract decodes the object into its client-go type and runs the generated extractor.
func typedExtract[T any](req request, run func(*T) (any, error)) (any, error) {
	obj := new(T)
	if err := json.Unmarshal(req.Object, obj); err != nil {
		return nil, fmt.Errorf("decoding the object: %v", err)
	}
	return run(obj)
}

func extractUnstructured(doc *document, req request) (any, error) {
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(req.Object); err != nil {
		return nil, fmt.Errorf("decoding the object: %v", err)
	}
	gvk := obj.GroupVersionKind()
	name := ""
	for n, s := range doc.schemas {
		var gvks []map[string]string
		if raw, ok := s.Extensions["x-kubernetes-group-version-kind"]; ok {
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &gvks)
		}
		for _, g := range gvks {
			if g["group"] == gvk.Group && g["version"] == gvk.Version && g["kind"] == gvk.Kind {
				name = n
			}
		}
	}
	if name == "" {
		return nil, fmt.Errorf("the OpenAPI document %s has no schema for %s", req.OpenAPIName, gvk)
	}
	result := &unstructured.Unstructured{}
	if err := managedfields.ExtractInto(obj, doc.parser.Type(name), req.Manager, result, req.Subresource); err != nil {
		return nil, err
	}
	// As client-go's UnstructuredExtractor (applyconfigurations/meta/v1/unstructured.go) does.
	result.SetName(obj.GetName())
	result.SetNamespace(obj.GetNamespace())
	result.SetKind(obj.GetKind())
	result.SetAPIVersion(obj.GetAPIVersion())
	return result.Object, nil
}
