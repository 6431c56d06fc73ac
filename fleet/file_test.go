package fleet_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/crane"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/fleet"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
)

// counting counts the requests a transport carries.
type counting struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func writeInventory(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestInventoryResolvesTags loads an inventory file naming images by tag
// and by digest, against an in-process registry: tags become the digest
// pushed under them (through the transport the options give), digests are
// kept as given without a request, and the defaults fill in.
func TestInventoryResolvesTags(t *testing.T) {
	hs := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(stdlog.New(io.Discard, "", 0))))
	t.Cleanup(hs.Close)
	host := strings.TrimPrefix(hs.URL, "http://")
	push := func(ref, body string) digest.Digest {
		img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app", Body: body})})
		if err := crane.Push(img, host+"/"+ref); err != nil {
			t.Fatal(err)
		}
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return digest.Digest(d.String())
	}
	web := push("team/web:1.4", "web 1.4")
	worker := push("team/worker:2", "worker 2")
	// Pinned to a digest the registry does not hold: kept as given, never
	// asked about.
	pinned := digest.FromString("somewhere else")

	path := writeInventory(t, "production.yaml", fmt.Sprintf(`
images:
  - image: %[1]s/team/web:1.4
    workload: web
    kind: Deployment
    namespace: shop
    labels: {team: shop, tier: "1"}
  - image: %[1]s/team/web:1.4
    workload: web-canary
  - image: %[1]s/team/worker:2
  - image: other.example.com/ops/agent@%[2]s
    workload: agent
    kind: DaemonSet
    container: agent-sidecar
`, host, pinned))
	rt := &counting{next: http.DefaultTransport}
	src, err := fleet.LoadInventory(path, image.WithTransport(rt))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := src.Describe(), "inventory "+path; got != want {
		t.Errorf("Describe %q, want %q", got, want)
	}
	running, err := src.Running(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []fleet.Running{
		{Environment: "production", Workload: fleet.Workload{Kind: "Deployment", Namespace: "shop", Name: "web"}, Container: "web",
			Image: host + "/team/web:1.4", Digest: web, Labels: map[string]string{"team": "shop", "tier": "1"}},
		{Environment: "production", Workload: fleet.Workload{Kind: "Workload", Name: "web-canary"}, Container: "web-canary",
			Image: host + "/team/web:1.4", Digest: web},
		{Environment: "production", Workload: fleet.Workload{Kind: "Workload", Name: "worker"}, Container: "worker",
			Image: host + "/team/worker:2", Digest: worker},
		{Environment: "production", Workload: fleet.Workload{Kind: "DaemonSet", Name: "agent"}, Container: "agent-sidecar",
			Image: "other.example.com/ops/agent@" + pinned.String(), Digest: pinned},
	}
	if len(running) != len(want) {
		t.Fatalf("got %d running, want %d: %+v", len(running), len(want), running)
	}
	for i := range want {
		if fmt.Sprint(running[i]) != fmt.Sprint(want[i]) {
			t.Errorf("running[%d]:\n got %+v\nwant %+v", i, running[i], want[i])
		}
	}
	if rt.n.Load() == 0 {
		t.Error("no request went through the transport the options gave")
	}

	// A tag moved on: the next Running call sees the new digest.
	web2 := push("team/web:1.4", "web 1.4 rebuilt")
	running, err = src.Running(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if running[0].Digest != web2 || web2 == web {
		t.Errorf("after the tag moved: digest %s, want %s", running[0].Digest, web2)
	}

	// A tag the registry does not have is an error naming the line.
	missing := writeInventory(t, "staging.yaml", "environment: staging\nimages:\n  - image: "+host+"/team/web:9.9\n")
	src, err = fleet.LoadInventory(missing)
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Running(context.Background())
	var ie *fleet.InventoryError
	if !errors.As(err, &ie) || !ie.InvalidInput() || !strings.Contains(err.Error(), "staging.yaml:3: images[0].image: resolving "+host+"/team/web:9.9") {
		t.Errorf("missing tag: %v; want an *InventoryError naming the line", err)
	}
}

// TestInventoryRefusesBadFiles: each mistake is an *InventoryError that is
// invalid input and names the line and key.
func TestInventoryRefusesBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // in the error
	}{
		{"unknown top key", "environment: prod\nimage:\n  - image: a/b:1\n", `production.yaml:2: image: unknown key "image"`},
		{"unknown entry key", "images:\n  - image: a/b:1\n    tag: latest\n", `production.yaml:3: images[0].tag: unknown key "tag" (known: container, image, kind, labels, namespace, workload)`},
		{"misspelt in second entry", "images:\n  - image: a/b:1\n  - image: a/c:1\n    workloads: c\n", `production.yaml:4: images[1].workloads: unknown key`},
		{"no image", "images:\n  - workload: web\n", `production.yaml:2: images[0].image: missing`},
		{"bad reference", "images:\n  - image: a/B:1\n", `production.yaml:2: images[0].image:`},
		{"bad digest", "images:\n  - image: a/b@sha256:abc\n", `production.yaml:2: images[0].image:`},
		{"no images", "environment: prod\n", `images: the inventory lists no images`},
		{"images not a list", "images: a/b:1\n", `production.yaml:1: images: want a list`},
		{"label not a string", "images:\n  - image: a/b:1\n    labels: {team: [a]}\n", `images[0].labels.team: want a string`},
		{"duplicate container", "images:\n  - image: a/b:1\n    workload: web\n  - image: a/b:2\n    workload: web\n", `production.yaml:4: images[1]: Workload web container web is already listed at line 2`},
		{"alias", "x: &a web\nimages:\n  - image: a/b:1\n    workload: *a\n", `unknown key "x"`},
		{"alias in entry", "images:\n  - &a image: a/b:1\n    workload: *a\n", `aliases are not allowed`},
		{"not a mapping", "- a/b:1\n", `a YAML mapping`},
		{"empty", "", `a YAML mapping`},
		{"not YAML", "images: [\n", `yaml:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fleet.LoadInventory(writeInventory(t, "production.yaml", tc.body))
			var ie *fleet.InventoryError
			if !errors.As(err, &ie) || !ie.InvalidInput() {
				t.Fatalf("got %v (%T), want an *InventoryError", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
	_, err := fleet.LoadInventory(filepath.Join(t.TempDir(), "absent.yaml"))
	if ii, ok := err.(interface{ InvalidInput() bool }); !ok || !ii.InvalidInput() || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file: %v", err)
	}
	big := writeInventory(t, "big.yaml", "images:\n"+strings.Repeat("  - image: a/b:1\n", fleet.MaxInventoryBytes/17+1))
	if _, err := fleet.LoadInventory(big); err == nil || !strings.Contains(err.Error(), "larger than 4 MiB") {
		t.Errorf("oversized file: %v", err)
	}
}
