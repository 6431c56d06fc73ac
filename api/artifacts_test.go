package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

// pushReferrer pushes an OCI artifact whose subject is subject into repo,
// by digest as referrers usually are, and returns its digest.
func pushReferrer(t *testing.T, w *world, srv *httptest.Server, repo, subject string) string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	img = mutate.ConfigMediaType(mutate.MediaType(img, types.OCIManifestSchema1), "application/vnd.example.sbom+json")
	h, _ := v1.NewHash(subject)
	sub := mutate.Subject(img, v1.Descriptor{MediaType: types.DockerManifestSchema2, Digest: h, Size: 1}).(v1.Image)
	d, _ := sub.Digest()
	ref, err := name.NewDigest(strings.TrimPrefix(srv.URL, "http://")+"/"+repo+"@"+d.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, sub, basic(w, "root")); err != nil {
		t.Fatalf("push referrer: %v", err)
	}
	return d.String()
}

// strs collects field of every object in the list body[key].
func strs(body map[string]any, key, field string) []string {
	var out []string
	list, _ := body[key].([]any)
	for _, it := range list {
		m, _ := it.(map[string]any)
		s, _ := m[field].(string)
		out = append(out, s)
	}
	return out
}

func TestRepositoryAndArtifactAPI(t *testing.T) {
	w := newWorld(t)
	srv := drydockRegistry(t, w)
	v1img := pushImage(t, w, srv, "root", "team/app", "v1")
	v2img := pushImage(t, w, srv, "root", "team/app", "v2")
	sbom := pushReferrer(t, w, srv, "team/app", v1img.manifest)
	tool := pushImage(t, w, srv, "root", "team/tools/app", "v1")
	pushImage(t, w, srv, "root", "pub/app", "v1")
	pushImage(t, w, srv, "root", "other/lib", "v1")

	as := func(user string) apiClient {
		tok := w.token(t, user, auth.APIScope).token
		return apiClient{t, srv, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }}
	}
	nobody := apiClient{t: t, srv: srv}
	anon, alice, wendy, max, nora, olga, root := as(""), as("alice"), as("wendy"), as("max"), as("nora"), as("olga"), as("root")
	ci := as("robot$team+ci") // a writer robot of team

	// Each caller sees the repositories it may pull, and no others.
	lists := []struct {
		who  string
		c    apiClient
		path string
		want []string
	}{
		{"anonymous", anon, "/api/v1/repositories", []string{"pub/app"}},
		{"reader", alice, "/api/v1/repositories", []string{"pub/app", "team/app", "team/tools/app"}},
		{"outsider", olga, "/api/v1/repositories", []string{"other/lib", "pub/app"}},
		{"system admin", root, "/api/v1/repositories", []string{"other/lib", "pub/app", "team/app", "team/tools/app"}},
		{"reader, one namespace", alice, "/api/v1/repositories?namespace=team", []string{"team/app", "team/tools/app"}},
		{"outsider, that namespace", olga, "/api/v1/repositories?namespace=team", nil},
	}
	for _, tt := range lists {
		status, body, _ := tt.c.call("GET", tt.path, "")
		if got := strs(body, "repositories", "name"); status != 200 || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: GET %s = %d %v, want 200 %v", tt.who, tt.path, status, got, tt.want)
		}
	}
	_, body, _ := alice.call("GET", "/api/v1/repositories?namespace=team&limit=1", "")
	if repos, _ := body["repositories"].([]any); len(repos) != 1 || repos[0].(map[string]any)["artifact_count"] != 3.0 || repos[0].(map[string]any)["tag_count"] != 2.0 {
		t.Errorf("team/app summary = %v, want 3 artifacts and 2 tags", body)
	}

	app := "/api/v1/repositories/team/app"
	tests := []struct {
		name     string
		c        apiClient
		method   string
		path     string
		want     int
		wantBody string // substring of the JSON answer
	}{
		{"no credentials", nobody, "GET", app + "/artifacts", 401, "UNAUTHORIZED"},
		{"reader lists", alice, "GET", app + "/artifacts", 200, `"tags":["v1"]`},
		{"referrer's subject listed", alice, "GET", app + "/artifacts", 200, `"subject":"` + v1img.manifest},
		{"outsider may not list", olga, "GET", app + "/artifacts", 403, "FORBIDDEN"},
		{"anonymous may not list a private one", anon, "GET", app + "/artifacts", 403, "FORBIDDEN"},
		{"anonymous lists a public one", anon, "GET", "/api/v1/repositories/pub/app/artifacts", 200, `"v1"`},
		{"deeper name with %2F", alice, "GET", "/api/v1/repositories/team/tools%2Fapp/artifacts", 200, tool.manifest},
		{"bad repository name", alice, "GET", "/api/v1/repositories/team/App/artifacts", 400, `invalid repository name \"team/App\"`},
		{"bad namespace", alice, "GET", "/api/v1/repositories/Team/app/artifacts", 400, "invalid namespace name"},
		{"unknown repository", alice, "GET", "/api/v1/repositories/team/ghost/artifacts", 404, "NOT_FOUND"},
		{"outsider cannot probe for repositories", olga, "GET", "/api/v1/repositories/team/ghost/artifacts", 403, "FORBIDDEN"},
		{"bad limit", alice, "GET", app + "/artifacts?limit=0", 400, "limit"},
		{"bad cursor", alice, "GET", app + "/artifacts?cursor=nonsense!", 400, "cursor"},
		{"one artifact with its referrers", alice, "GET", app + "/artifacts/" + v1img.manifest, 200, `"referrers":[{"artifact_type":"application/vnd.example.sbom+json","digest":"` + sbom},
		{"malformed digest", alice, "GET", app + "/artifacts/sha256:xyz", 400, `digest \"sha256:xyz\"`},
		{"unsupported algorithm", max, "DELETE", app + "/artifacts/md5:d41d8cd98f00b204e9800998ecf8427e", 400, "md5"},
		{"unknown digest", alice, "GET", app + "/artifacts/sha256:" + strings.Repeat("0", 64), 404, "NOT_FOUND"},
		{"reader may not delete", alice, "DELETE", app + "/artifacts/" + v2img.manifest, 403, "FORBIDDEN"},
		{"writer may not delete", wendy, "DELETE", app + "/artifacts/" + v2img.manifest, 403, "FORBIDDEN"},
		{"writer robot lists", ci, "GET", app + "/artifacts", 200, v2img.manifest},
		{"writer robot may not delete", ci, "DELETE", app + "/artifacts/" + v2img.manifest, 403, "FORBIDDEN"},
		{"outsider may not delete", olga, "DELETE", app + "/artifacts/" + v2img.manifest, 403, "FORBIDDEN"},
		{"reader may not untag", alice, "DELETE", app + "/tags/v1", 403, "FORBIDDEN"},
		{"bad tag", max, "DELETE", app + "/tags/-v1", 400, `invalid tag \"-v1\"`},
		{"maintainer untags", max, "DELETE", app + "/tags/v1", 204, ""},
		{"tag is gone", max, "DELETE", app + "/tags/v1", 404, "NOT_FOUND"},
		{"untagged artifact stays", alice, "GET", app + "/artifacts/" + v1img.manifest, 200, `"tags":[]`},
		{"maintainer deletes", max, "DELETE", app + "/artifacts/" + v2img.manifest, 204, ""},
		{"deleted artifact is gone", alice, "GET", app + "/artifacts/" + v2img.manifest, 404, "NOT_FOUND"},
		{"namespace admin deletes", nora, "DELETE", app + "/artifacts/" + sbom, 204, ""},
		{"deleting twice", nora, "DELETE", app + "/artifacts/" + sbom, 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		status, body, hdr := tt.c.call(tt.method, tt.path, "")
		if status != tt.want {
			t.Errorf("%s: %s %s = %d %v, want %d", tt.name, tt.method, tt.path, status, body, tt.want)
			continue
		}
		if tt.want == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer realm=") {
			t.Errorf("%s: WWW-Authenticate %q, want a Bearer challenge", tt.name, hdr.Get("WWW-Authenticate"))
		}
		got, _ := json.Marshal(body)
		if !strings.Contains(string(got), tt.wantBody) {
			t.Errorf("%s: answer %s lacks %s", tt.name, got, tt.wantBody)
		}
	}

	// What the API deleted, the registry no longer serves.
	tok := w.token(t, "root", "repository:team/app:pull").token
	for _, c := range []struct{ ref, what string }{{v2img.manifest, "deleted manifest"}, {"v1", "deleted tag"}} {
		resp := do(t, srv, tok, "GET", "/v2/team/app/manifests/"+c.ref, nil, "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: GET /v2/team/app/manifests/%s = %d, want 404", c.what, c.ref, resp.StatusCode)
		}
	}
	// Deletes and refusals are in the audit trail.
	for what, f := range map[string]auditlog.Filter{
		"max's delete":       {Actor: "max", Action: "delete", Repo: "team/app", Outcome: auditlog.OutcomeAllowed},
		"wendy's refusal":    {Actor: "wendy", Action: "delete", Repo: "team/app", Outcome: auditlog.OutcomeDenied},
		"olga's read denial": {Actor: "olga", Action: "pull", Repo: "team/app", Outcome: auditlog.OutcomeDenied},
	} {
		if len(w.events(t, f)) == 0 {
			t.Errorf("audit log lacks %s (%+v)", what, f)
		}
	}
}

func TestArtifactAPIPages(t *testing.T) {
	w := newWorld(t)
	srv := drydockRegistry(t, w)
	var pushed []string
	for _, tag := range []string{"a", "b", "c", "d", "e"} {
		pushed = append(pushed, pushImage(t, w, srv, "root", "team/page", tag).manifest)
	}
	pushImage(t, w, srv, "root", "other/hidden", "v1")
	pushImage(t, w, srv, "root", "team/zzz", "v1")
	var newest []string // every artifact of team/page, newest push first
	for _, d := range pushed {
		newest = append([]string{d}, newest...)
	}
	var refs []string
	for range 3 {
		d := pushReferrer(t, w, srv, "team/page", pushed[0])
		refs = append(refs, d)
		newest = append([]string{d}, newest...)
	}
	slices.Sort(refs) // referrers come in digest order
	tok := w.token(t, "alice", auth.APIScope).token
	alice := apiClient{t, srv, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }}

	tests := []struct {
		name  string
		path  string // first page; next_cursor is appended until there is none
		key   string // list in the answer
		field string
		want  []string
		pages int
	}{
		{"artifacts, newest first", "/api/v1/repositories/team/page/artifacts?limit=3", "artifacts", "digest",
			newest, 3},
		{"artifacts in one page", "/api/v1/repositories/team/page/artifacts?limit=8", "artifacts", "digest",
			newest, 1},
		{"one artifact's referrers", "/api/v1/repositories/team/page/artifacts/" + pushed[0] + "?referrers_limit=2", "referrers", "digest",
			refs, 2},
		// A full page of repositories may be the last: whether more are
		// visible is only known by reading on, so an empty third page ends it.
		{"repositories skip what the caller may not pull", "/api/v1/repositories?limit=1", "repositories", "name",
			[]string{"team/page", "team/zzz"}, 3},
	}
	for _, tt := range tests {
		var got []string
		pages := 0
		for path := tt.path; path != "" && pages < 10; pages++ {
			status, body, _ := alice.call("GET", path, "")
			if status != 200 {
				t.Fatalf("%s: GET %s = %d %v", tt.name, path, status, body)
			}
			got = append(got, strs(body, tt.key, tt.field)...)
			path = ""
			if next, ok := body["next_cursor"].(string); ok {
				path = tt.path + "&cursor=" + url.QueryEscape(next)
			}
			if next, ok := body["referrers_next_cursor"].(string); ok {
				path = tt.path + "&referrers_cursor=" + url.QueryEscape(next)
			}
		}
		if !reflect.DeepEqual(got, tt.want) || pages != tt.pages {
			t.Errorf("%s: walked %v in %d pages, want %v in %d", tt.name, got, pages, tt.want, tt.pages)
		}
	}
}

// TestAPIWithoutRegistry: the plain account API answers the content
// routes with a clear 404 rather than failing.
func TestAPIWithoutRegistry(t *testing.T) {
	w := newWorld(t)
	srv := apiServer(t, w)
	root := apiClient{t, srv, func(r *http.Request) { r.SetBasicAuth("root", w.secrets["root"]) }}
	status, body, _ := root.call("GET", "/api/v1/repositories", "")
	if msg, _ := body["message"].(string); status != 404 || !strings.Contains(msg, "no registry") {
		t.Errorf("GET /api/v1/repositories without a registry = %d %v, want 404 naming the missing registry", status, body)
	}
}
