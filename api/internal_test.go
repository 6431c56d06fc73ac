package api

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes keeps openapi.json and the route table in step:
// every route is documented and every documented operation is served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	served := map[string]bool{}
	for _, rt := range routes {
		key := strings.ToLower(rt.method) + " " + rt.path
		served[key] = true
		if _, ok := doc.Paths[rt.path][strings.ToLower(rt.method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", rt.method, rt.path)
		}
	}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if !served[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which is not served", method, path)
			}
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil || op.OperationID == "" || len(op.Responses) == 0 {
				t.Errorf("%s %s: operation lacks an operationId or responses (%v)", method, path, err)
			}
		}
	}
}

// TestDocsCoverEveryRoute: docs/api.md names every served route as
// "METHOD /path" (in a listing or a table).
func TestDocsCoverEveryRoute(t *testing.T) {
	doc, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("\\b(GET|POST|PUT|PATCH|DELETE) +(/api/v1/[^\\s\\[?`|]*)")
	listed := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]+" "+m[2]] = true
	}
	for _, rt := range routes {
		if !listed[rt.method+" "+rt.path] {
			t.Errorf("docs/api.md does not list %s %s", rt.method, rt.path)
		}
	}
}
