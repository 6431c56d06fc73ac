package auth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/blobstore"
	"github.com/drydock/drydock/registry"
)

// drydockRegistry serves /token and drydock's own registry at /v2/,
// authorized by the world's service and audited into its log.
func drydockRegistry(t *testing.T, w *world) *httptest.Server {
	t.Helper()
	blobs, err := blobstore.NewFilesystem(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rg, err := registry.New(w.st, blobs, registry.WithAuthorizer(w.svc), registry.WithAuditor(w.audit),
		registry.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/token", w.svc.TokenHandler())
	mux.Handle("/v2/", rg)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); rg.Close() })
	return srv
}

// seeded is what root pushed for one matrix row to work on.
type seeded struct {
	manifest, mediaType string
	body                []byte
	layer               string
	// two upload sessions started by root in the row's repository
	patchURL, putURL string
}

// pushImage pushes a fresh random image to repo:tag as user and returns
// its manifest digest, raw manifest, media type and first layer digest.
func pushImage(t *testing.T, w *world, srv *httptest.Server, user, repo, tag string) seeded {
	t.Helper()
	img, err := random.Image(128, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref(t, srv, repo+":"+tag), img, basic(w, user)); err != nil {
		t.Fatalf("seed %s:%s as %s: %v", repo, tag, user, err)
	}
	d, _ := img.Digest()
	raw, _ := img.RawManifest()
	mt, _ := img.MediaType()
	layers, _ := img.Layers()
	ld, _ := layers[0].Digest()
	return seeded{manifest: d.String(), body: raw, mediaType: string(mt), layer: ld.String()}
}

func do(t *testing.T, srv *httptest.Server, tok, method, path string, body []byte, ct string) *http.Response {
	t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = srv.URL + path
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// startUpload opens an upload session as root and returns its URL.
func startUpload(t *testing.T, srv *httptest.Server, rootTok, repo string) string {
	t.Helper()
	resp := do(t, srv, rootTok, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, "")
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusAccepted || loc == "" {
		t.Fatalf("root's upload in %s: %d, Location %q", repo, resp.StatusCode, loc)
	}
	if !strings.HasPrefix(loc, "http") {
		loc = srv.URL + loc
	}
	return loc
}

// TestRegistryMatrix runs every role against every endpoint kind and
// method of drydock's own registry. Letters, one per endpoint:
// A answered with the endpoint's success status, C 401 with a Bearer
// challenge, D 403, U a mount that fell back to an upload (202) because
// the source is not visible to the caller.
func TestRegistryMatrix(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	srv := drydockRegistry(t, w)
	all := []string{"repository:team/app:pull,push,delete", "repository:pub/app:pull,push,delete", "repository:other/lib:pull,push,delete", "registry:catalog:*"}
	rootTok := w.token(t, "root", all...).token
	fixture := map[string]seeded{}
	for _, repo := range []string{"team/app", "pub/app", "other/lib"} {
		fixture[repo] = pushImage(t, w, srv, "root", repo, "v1")
	}

	type probe struct {
		name string
		ok   int // the success status
		do   func(tok, repo string, s seeded) *http.Response
	}
	var row int
	probes := []probe{
		{"catalog", 200, func(tok, _ string, _ seeded) *http.Response { return do(t, srv, tok, "GET", "/v2/_catalog", nil, "") }},
		{"tags list", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "GET", "/v2/"+repo+"/tags/list", nil, "")
		}},
		{"manifest GET", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "GET", "/v2/"+repo+"/manifests/v1", nil, "")
		}},
		{"manifest HEAD", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "HEAD", "/v2/"+repo+"/manifests/v1", nil, "")
		}},
		{"manifest PUT", 201, func(tok, repo string, s seeded) *http.Response {
			return do(t, srv, tok, "PUT", fmt.Sprintf("/v2/%s/manifests/put-%d", repo, row), s.body, s.mediaType)
		}},
		{"manifest DELETE", 202, func(tok, repo string, s seeded) *http.Response {
			return do(t, srv, tok, "DELETE", "/v2/"+repo+"/manifests/"+s.manifest, nil, "")
		}},
		{"blob GET", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "GET", "/v2/"+repo+"/blobs/"+fixture[repo].layer, nil, "")
		}},
		{"blob HEAD", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "HEAD", "/v2/"+repo+"/blobs/"+fixture[repo].layer, nil, "")
		}},
		{"blob DELETE", 202, func(tok, repo string, s seeded) *http.Response {
			return do(t, srv, tok, "DELETE", "/v2/"+repo+"/blobs/"+s.layer, nil, "")
		}},
		{"upload POST", 202, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "POST", "/v2/"+repo+"/blobs/uploads/", nil, "")
		}},
		{"upload PATCH", 202, func(tok, _ string, s seeded) *http.Response {
			return do(t, srv, tok, "PATCH", s.patchURL, []byte("chunk"), "application/octet-stream")
		}},
		{"upload PUT", 201, func(tok, _ string, s seeded) *http.Response {
			data := []byte(fmt.Sprintf("monolithic blob of row %d", row))
			sum := sha256.Sum256(data)
			sep := "?"
			if strings.Contains(s.putURL, "?") {
				sep = "&"
			}
			return do(t, srv, tok, "PUT", s.putURL+sep+"digest=sha256:"+hex.EncodeToString(sum[:]), data, "application/octet-stream")
		}},
		{"mount from pub/app", 201, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "POST", "/v2/"+repo+"/blobs/uploads/?mount="+fixture["pub/app"].layer+"&from=pub/app", nil, "")
		}},
		{"mount from other/lib", 201, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "POST", "/v2/"+repo+"/blobs/uploads/?mount="+fixture["other/lib"].layer+"&from=other/lib", nil, "")
		}},
		{"referrers GET", 200, func(tok, repo string, _ seeded) *http.Response {
			return do(t, srv, tok, "GET", "/v2/"+repo+"/referrers/"+fixture[repo].manifest, nil, "")
		}},
	}

	tests := []struct {
		role    string
		user    string // "" anonymous
		noToken bool
		repo    string
		want    string
		catalog []string // what _catalog lists, when allowed
	}{
		//                                                                          cat tags mG mH mP mD bG bH bD uPO uPA uPU mPub mOth refs
		{role: "anonymous without token", noToken: true, repo: "team/app", want: "CCCCCCCCCCCCCCC"},
		{role: "anonymous with token", repo: "team/app", want: "ACCCCCCCCCCCCCC", catalog: []string{"pub/app"}},
		{role: "anonymous on public", repo: "pub/app", want: "AAAACCAACCCCCCA", catalog: []string{"pub/app"}},
		{role: "reader", user: "alice", repo: "team/app", want: "AAAADDAADDDDDDA", catalog: []string{"pub/app", "team/app"}},
		{role: "writer", user: "wendy", repo: "team/app", want: "AAAAADAADAAAAUA", catalog: []string{"pub/app", "team/app"}},
		{role: "maintainer", user: "max", repo: "team/app", want: "AAAAAAAAAAAAAUA", catalog: []string{"pub/app", "team/app"}},
		{role: "namespace admin", user: "nora", repo: "team/app", want: "AAAAAAAAAAAAAUA", catalog: []string{"pub/app", "team/app"}},
		{role: "system admin", user: "root", repo: "team/app", want: "AAAAAAAAAAAAAAA", catalog: []string{"other/lib", "pub/app", "team/app"}},
		{role: "robot writer", user: "robot$team+ci", repo: "team/app", want: "AAAAADAADAAAAUA", catalog: []string{"pub/app", "team/app"}},
		{role: "expired robot", user: "robot$team+old", noToken: true, repo: "team/app", want: "CCCCCCCCCCCCCCC"},
		{role: "member of another namespace", user: "olga", repo: "team/app", want: "ADDDDDDDDDDDDDD", catalog: []string{"other/lib", "pub/app"}},
		{role: "reader on a public namespace", user: "alice", repo: "pub/app", want: "AAAADDAADDDDDDA", catalog: []string{"pub/app", "team/app"}},
	}
	for i, tt := range tests {
		row = i
		t.Run(tt.role, func(t *testing.T) {
			if len(tt.want) != len(probes) {
				t.Fatalf("row has %d letters for %d probes", len(tt.want), len(probes))
			}
			s := pushImage(t, w, srv, "root", tt.repo, fmt.Sprintf("victim-%d", i))
			s.patchURL = startUpload(t, srv, rootTok, tt.repo)
			s.putURL = startUpload(t, srv, rootTok, tt.repo)
			tok := ""
			if !tt.noToken {
				r := w.token(t, tt.user, all...)
				if r.status != 200 {
					t.Fatalf("/token as %q: %d", tt.user, r.status)
				}
				tok = r.token
			} else if tt.user != "" {
				if r := w.token(t, tt.user, all...); r.status != 401 {
					t.Fatalf("/token as %s: %d, want 401", tt.user, r.status)
				}
			}
			for j, p := range probes {
				resp := p.do(tok, tt.repo, s)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				got := fmt.Sprintf("?%d", resp.StatusCode)
				switch {
				case resp.StatusCode == p.ok:
					got = "A"
				case resp.StatusCode == 401:
					got = "C"
					if ch := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, `Bearer realm="`+srv.URL+`/token",service="drydock"`) {
						t.Errorf("%s: challenge %q lacks realm and service", p.name, ch)
					}
				case resp.StatusCode == 403:
					got = "D"
				case resp.StatusCode == 202 && strings.HasPrefix(p.name, "mount"):
					got = "U"
				}
				if want := tt.want[j : j+1]; got != want {
					t.Errorf("%s: got %s, want %s (%s)", p.name, got, want, strings.TrimSpace(string(body)))
				}
				if p.name == "catalog" && got == "A" {
					var c struct{ Repositories []string }
					if err := json.Unmarshal(body, &c); err != nil {
						t.Fatalf("catalog: %v", err)
					}
					if !slices.Equal(c.Repositories, tt.catalog) {
						t.Errorf("catalog lists %v, want %v", c.Repositories, tt.catalog)
					}
				}
			}
		})
	}
	// The registry audits pushes and 403s; the reason comes from auth.
	es := w.events(t, auditlog.Filter{Actor: "alice", Repo: "team/app", Outcome: auditlog.OutcomeDenied})
	if len(es) == 0 || !strings.Contains(es[0].Reason, "role reader in namespace team") {
		t.Errorf("audit of alice's denials = %+v, want reasons naming role reader", es)
	}
	if es := w.events(t, auditlog.Filter{Actor: "wendy", Action: "push", Outcome: auditlog.OutcomeAllowed}); len(es) == 0 {
		t.Error("no allowed push recorded for wendy")
	}
}
