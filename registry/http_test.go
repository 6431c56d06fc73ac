package registry_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store/storetest"
)

func sha(b string) string {
	s := sha256.Sum256([]byte(b))
	return "sha256:" + hex.EncodeToString(s[:])
}

type call struct {
	method, path string
	header       map[string]string
	body         string
}

// do sends c and returns the status, headers and the OCI error code (if any).
func do(t testing.TB, srv *httptest.Server, c call) (int, http.Header, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var e struct {
		Errors []struct{ Code string } `json:"errors"`
	}
	code := ""
	if json.Unmarshal(body, &e) == nil && len(e.Errors) > 0 {
		code = e.Errors[0].Code
	}
	return resp.StatusCode, resp.Header, code, body
}

const imageMT = "application/vnd.oci.image.manifest.v1+json"

func manifest(config string, layers ...string) string {
	ls := make([]string, len(layers))
	for i, l := range layers {
		ls[i] = fmt.Sprintf(`{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%d}`, sha(l), len(l))
	}
	return fmt.Sprintf(`{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[%s]}`,
		imageMT, sha(config), len(config), strings.Join(ls, ","))
}

func TestBadInput(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	// One blob in team/app, so that manifests can be valid but for one thing.
	do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"})
	good := manifest("{}")
	tests := []struct {
		name     string
		c        call
		status   int
		wantCode string
	}{
		{"unknown endpoint", call{"GET", "/v2/team/app/nothing", nil, ""}, 404, "NOT_FOUND"},
		{"upper-case name", call{"GET", "/v2/Team/app/tags/list", nil, ""}, 400, "NAME_INVALID"},
		{"method not allowed", call{"POST", "/v2/team/app/tags/list", nil, ""}, 405, "UNSUPPORTED"},
		{"malformed digest", call{"GET", "/v2/team/app/blobs/sha256:xyz", nil, ""}, 400, "DIGEST_INVALID"},
		{"unsupported algorithm", call{"GET", "/v2/team/app/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", nil, ""}, 400, "DIGEST_INVALID"},
		{"unknown blob", call{"GET", "/v2/team/app/blobs/" + sha("nope"), nil, ""}, 404, "BLOB_UNKNOWN"},
		{"blob of another repository", call{"GET", "/v2/other/app/blobs/" + sha("{}"), nil, ""}, 404, "BLOB_UNKNOWN"},
		{"unknown manifest", call{"GET", "/v2/team/app/manifests/latest", nil, ""}, 404, "MANIFEST_UNKNOWN"},
		{"bad tag", call{"PUT", "/v2/team/app/manifests/-bad", map[string]string{"Content-Type": imageMT}, good}, 400, "TAG_INVALID"},
		{"not JSON", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, "{"}, 400, "MANIFEST_INVALID"},
		{"Content-Type disagrees", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": "application/vnd.oci.image.index.v1+json"}, good}, 400, "MANIFEST_INVALID"},
		{"unsupported media type", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": "text/plain"}, `{"schemaVersion":2}`}, 400, "MANIFEST_INVALID"},
		{"schema 1", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, `{"schemaVersion":1,"mediaType":"` + imageMT + `"}`}, 400, "MANIFEST_INVALID"},
		{"missing layer", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, manifest("{}", "layer")}, 400, "MANIFEST_BLOB_UNKNOWN"},
		{"digest mismatch", call{"PUT", "/v2/team/app/manifests/" + sha("other"), map[string]string{"Content-Type": imageMT}, good}, 400, "DIGEST_INVALID"},
		{"blob digest mismatch", call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("a"), nil, "b"}, 400, "DIGEST_INVALID"},
		{"unknown upload", call{"PATCH", "/v2/team/app/blobs/uploads/nosuch", nil, "x"}, 404, "BLOB_UPLOAD_UNKNOWN"},
		{"finish without digest", call{"PUT", "/v2/team/app/blobs/uploads/0123456789abcdef0123456789abcdef", nil, ""}, 400, "DIGEST_INVALID"},
		{"crafted upload id", call{"DELETE", "/v2/team/app/blobs/uploads/..", nil, ""}, 404, "BLOB_UPLOAD_UNKNOWN"},
		{"bad page size", call{"GET", "/v2/team/app/tags/list?n=-1", nil, ""}, 400, "PAGINATION_NUMBER_INVALID"},
		{"tags of unknown repository", call{"GET", "/v2/none/tags/list", nil, ""}, 404, "NAME_UNKNOWN"},
		{"unsatisfiable range", call{"GET", "/v2/team/app/blobs/" + sha("{}"), map[string]string{"Range": "bytes=5-9"}, ""}, 416, "RANGE_INVALID"},
		{"valid manifest", call{"PUT", "/v2/team/app/manifests/v1", map[string]string{"Content-Type": imageMT}, good}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, code, body := do(t, srv, tt.c)
			if status != tt.status || code != tt.wantCode {
				t.Errorf("%s %s = %d %s (%s), want %d %s", tt.c.method, tt.c.path, status, code, body, tt.status, tt.wantCode)
			}
		})
	}
}

func TestChunkedUploadAndRanges(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	status, h, _, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""})
	if status != 202 || h.Get("Location") == "" {
		t.Fatalf("POST = %d, Location %q", status, h.Get("Location"))
	}
	loc := h.Get("Location")
	whole := "0123456789abcdefghij"
	steps := []struct {
		rng, body string
		status    int
		wantRange string
	}{
		{"0-9", whole[:10], 202, "0-9"},
		{"15-19", whole[15:], 416, "0-9"}, // a gap: refused, state unchanged
		{"0-4", whole[:5], 416, "0-9"},    // a rewind: refused too
		{"10-19", whole[10:], 202, "0-19"},
	}
	for _, s := range steps {
		status, h, _, body := do(t, srv, call{"PATCH", loc, map[string]string{"Content-Range": s.rng}, s.body})
		if status != s.status || h.Get("Range") != s.wantRange {
			t.Errorf("PATCH %s = %d Range %q (%s), want %d %q", s.rng, status, h.Get("Range"), body, s.status, s.wantRange)
		}
	}
	status, h, _, _ = do(t, srv, call{"GET", loc, nil, ""})
	if status != 204 || h.Get("Range") != "0-19" {
		t.Errorf("upload status = %d %q, want 204 0-19", status, h.Get("Range"))
	}
	// The blob does not exist before the upload is finished.
	if status, _, _, _ := do(t, srv, call{"HEAD", "/v2/team/app/blobs/" + sha(whole), nil, ""}); status != 404 {
		t.Errorf("HEAD before finish = %d, want 404", status)
	}
	status, h, _, _ = do(t, srv, call{"PUT", loc + "?digest=" + sha(whole), nil, ""})
	if status != 201 || h.Get("Docker-Content-Digest") != sha(whole) {
		t.Fatalf("PUT = %d digest %q", status, h.Get("Docker-Content-Digest"))
	}
	ranges := []struct {
		header, want, contentRange string
		status                     int
	}{
		{"", whole, "", 200},
		{"bytes=2-5", "2345", "bytes 2-5/20", 206},
		{"bytes=15-", "fghij", "bytes 15-19/20", 206},
		{"bytes=-3", "hij", "bytes 17-19/20", 206},
		{"bytes=18-100", "ij", "bytes 18-19/20", 206},
	}
	for _, r := range ranges {
		status, h, _, body := do(t, srv, call{"GET", "/v2/team/app/blobs/" + sha(whole), map[string]string{"Range": r.header}, ""})
		if status != r.status || string(body) != r.want || h.Get("Content-Range") != r.contentRange {
			t.Errorf("Range %q = %d %q %q, want %d %q %q", r.header, status, body, h.Get("Content-Range"), r.status, r.want, r.contentRange)
		}
	}
	// A finished session is gone.
	if status, _, code, _ := do(t, srv, call{"GET", loc, nil, ""}); status != 404 || code != "BLOB_UPLOAD_UNKNOWN" {
		t.Errorf("status after finish = %d %s, want 404 BLOB_UPLOAD_UNKNOWN", status, code)
	}
}

func TestTagPagination(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"})
	for _, tag := range []string{"c", "a", "b", "d"} {
		if status, _, _, body := do(t, srv, call{"PUT", "/v2/team/app/manifests/" + tag, map[string]string{"Content-Type": imageMT}, manifest("{}")}); status != 201 {
			t.Fatalf("push %s = %d %s", tag, status, body)
		}
	}
	var list struct{ Tags []string }
	path := "/v2/team/app/tags/list?n=3"
	var pages []string
	for path != "" {
		status, h, _, body := do(t, srv, call{"GET", path, nil, ""})
		if status != 200 || json.Unmarshal(body, &list) != nil {
			t.Fatalf("GET %s = %d %s", path, status, body)
		}
		pages = append(pages, strings.Join(list.Tags, ","))
		path = ""
		if link := h.Get("Link"); link != "" {
			path = strings.TrimPrefix(strings.Split(link, ">")[0], "<")
		}
	}
	if got := strings.Join(pages, "|"); got != "a,b,c|d" {
		t.Errorf("pages = %q, want %q", got, "a,b,c|d")
	}
}

func TestReadOnlyAndNoAuthorizer(t *testing.T) {
	st := storetest.SQLite(t)
	blobs, _ := blobstore.NewFilesystem(t.TempDir())
	if _, err := registry.New(st, blobs); !errors.Is(err, registry.ErrNoAuthorizer) {
		t.Errorf("New without authorizer = %v, want ErrNoAuthorizer", err)
	}
	srv := newServer(t, st, registry.WithReadOnly(true))
	if status, _, code, _ := do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/", nil, ""}); status != 405 || code != "UNSUPPORTED" {
		t.Errorf("upload on read-only = %d %s, want 405 UNSUPPORTED", status, code)
	}
	if status, _, _, _ := do(t, srv, call{"GET", "/v2/", nil, ""}); status != 200 {
		t.Errorf("GET /v2/ on read-only = %d, want 200", status)
	}
}

func TestSparseManifests(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t), registry.WithSparseManifests())
	do(t, srv, call{"POST", "/v2/team/app/blobs/uploads/?digest=" + sha("{}"), nil, "{}"})
	tests := []struct {
		name, body string
		status     int
	}{
		{"layer missing", manifest("{}", "never pushed"), 201},
		{"config missing", manifest("no config", "never pushed"), 400},
	}
	for _, tt := range tests {
		status, _, _, body := do(t, srv, call{"PUT", "/v2/team/app/manifests/" + sha(tt.body), map[string]string{"Content-Type": imageMT}, tt.body})
		if status != tt.status {
			t.Errorf("%s: PUT = %d %s, want %d", tt.name, status, body, tt.status)
		}
	}
}
