package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// TestServeQuarantines runs `drydock serve`'s assembly with a
// vulnerability database: a namespace set to enforce through the API
// judges the scan on push by its own policy, and the failing image is
// refused to the system administrator with its reasons.
func TestServeQuarantines(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := vulndbtest.FixturePath(t)
	srv, hs := start(t, server.Config{DataDir: dir, Addr: "127.0.0.1:0", AdminPassword: adminPW, VulnDB: dbPath, Workers: 1})
	if err := srv.Auth().CreateNamespace(ctx, auth.Local("test"), "prod", false); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"enforce": true, "policy": "apiVersion: drydock/v1\nkind: Policy\nname: prod\nseverity: {failOn: high}\n"})
	if status, answer := apiCall(t, hs.URL, "PUT", "/api/v1/namespaces/prod/policy", string(body), basicAuth("admin", adminPW)); status != 200 {
		t.Fatalf("PUT policy: %d %s", status, answer)
	}
	ctxServe, cancel := context.WithCancel(ctx)
	defer cancel()
	// The scan workers start with Serve; the test serves through hs.
	go func() { _ = srv.Serve(ctxServe, io.Discard, nil) }()

	host := strings.TrimPrefix(hs.URL, "http://")
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
		imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u1\nDescription: libc\n\n"},
	)})
	opts := []crane.Option{crane.Insecure, crane.WithAuth(&authn.Basic{Username: "admin", Password: adminPW})}
	if err := crane.Push(img, host+"/prod/app:1", opts...); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	deadline := time.Now().Add(90 * time.Second)
	for {
		v, err := srv.Store().GetVerdict(ctx, "prod", d.String())
		if err == nil && v.Status != store.VerdictPending {
			if v.Status != store.VerdictFail || v.PolicyName != "prod" {
				t.Fatalf("verdict = %+v, want a failure under the namespace's policy", v)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no verdict in time (last: %+v, %v)", v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, err := crane.Manifest(host+"/prod/app:1", opts...)
	var te *transport.Error
	if !errors.As(err, &te) || te.StatusCode != http.StatusForbidden || !strings.Contains(err.Error(), "CVE-2023-4911") {
		t.Fatalf("pull of the failing image = %v, want 403 naming CVE-2023-4911", err)
	}
}
