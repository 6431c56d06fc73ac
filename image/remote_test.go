package image_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drydock/drydock/image"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// serve starts go-containerregistry's in-process registry behind h (nil:
// none) and returns its host:port. Credentials come from an empty Docker
// config so that the machine's own never leak into a test.
func serve(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

func push(t *testing.T, ref string, img v1.Image, opts ...remote.Option) {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img, opts...); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

func TestOpenRegistry(t *testing.T) {
	host := serve(t, nil)
	src := appImage(t, "remote")
	push(t, host+"/team/app:1.0", src)
	img, err := image.Open(context.Background(), host+"/team/app:1.0", image.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, src)
	if img.Name() != host+"/team/app" || img.Source() != host+"/team/app:1.0" {
		t.Errorf("got name %q source %q, want %s/team/app and the reference", img.Name(), img.Source(), host)
	}
	d, _ := src.Digest()
	img, err = image.Open(context.Background(), "docker://"+host+"/team/app@"+d.String(), image.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, src)
	_, err = image.Open(context.Background(), host+"/team/nothing:1.0", image.WithInsecure())
	wantImageError(t, err, host+"/team/nothing:1.0", "")
}

func TestOpenRegistryIndex(t *testing.T) {
	host := serve(t, nil)
	amd, arm := appImage(t, "amd64"), appImage(t, "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
	)
	r, _ := name.ParseReference(host + "/team/multi:1.0")
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		platform string
		want     v1.Image
	}{{"linux/arm64", arm}, {"linux/amd64", amd}} {
		img, err := image.Open(context.Background(), host+"/team/multi:1.0", image.WithInsecure(), image.WithPlatform(p.platform))
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, img, p.want)
	}
	_, err := image.Open(context.Background(), host+"/team/multi:1.0", image.WithInsecure(), image.WithPlatform("linux/s390x"))
	wantImageError(t, err, host, "no image for platform linux/s390x; it has linux/amd64, linux/arm64")
}

func TestOpenRegistryBasicAuth(t *testing.T) {
	host := serve(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "s3cret" {
				w.Header().Set("WWW-Authenticate", `Basic realm="drydock-test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"who are you"}]}`, http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	src := appImage(t, "private")
	r, _ := name.ParseReference(host + "/team/private:1.0")
	if err := remote.Write(r, src, remote.WithAuth(&authn.Basic{Username: "ci", Password: "s3cret"})); err != nil {
		t.Fatal(err)
	}
	_, err := image.Open(context.Background(), host+"/team/private:1.0", image.WithInsecure())
	wantImageError(t, err, host+"/team/private:1.0", "UNAUTHORIZED")
	_, err = image.Open(context.Background(), host+"/team/private:1.0", image.WithInsecure(), image.WithBasicAuth("ci", "wrong"))
	wantImageError(t, err, host+"/team/private:1.0", "UNAUTHORIZED")
	img, err := image.Open(context.Background(), host+"/team/private:1.0", image.WithInsecure(), image.WithBasicAuth("ci", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, img, src)
}

// TestOpenRegistryTamperedBlob: a registry that serves other bytes for a
// layer than its digest names, of the same size and the same content once
// decompressed (only the gzip header's OS byte differs), so that only a
// check of the blob digest can notice. go-containerregistry checks blobs
// it fetches, which is why the walk does not hash them again: this test
// is what holds it to that.
func TestOpenRegistryTamperedBlob(t *testing.T) {
	src := appImage(t, "tampered")
	m, _ := src.Manifest()
	layers, _ := src.Layers()
	rc, _ := layers[1].Compressed()
	other, _ := io.ReadAll(rc)
	other[9] ^= 0x01 // gzip header: OS
	target := "/blobs/" + m.Layers[1].Digest.String()
	host := serve(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, target) {
				w.Write(other)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	push(t, host+"/team/app:1.0", src)
	img, err := image.Open(context.Background(), host+"/team/app:1.0", image.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	_, err = walkAll(t, img)
	var le *image.LayerError
	if !errors.As(err, &le) || le.Index != 1 || !strings.Contains(err.Error(), host+"/team/app:1.0") || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("got %v, want a checksum LayerError for layer 1 naming the image", err)
	}
}

// TestExplainRefusal: a registry's refusal says how to log in only when no
// credentials were given; otherwise whether the credentials or the rights
// were refused. The registry here takes Basic credentials on /v2/ and
// lets "reader" in but refuses every pull with 403 for "norights".
func TestExplainRefusal(t *testing.T) {
	t.Setenv(image.EnvUsername, "")
	host := serve(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			user, pass, ok := r.BasicAuth()
			switch {
			case !ok || pass != "right":
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.WriteHeader(http.StatusUnauthorized)
			case user == "norights" && r.URL.Path != "/v2/":
				w.WriteHeader(http.StatusForbidden)
			default:
				h.ServeHTTP(w, r)
			}
		})
	})
	ref := host + "/team/app:1.0"
	push(t, ref, appImage(t, "auth"), remote.WithAuth(&authn.Basic{Username: "reader", Password: "right"}))
	tests := []struct {
		opts []image.Option
		says string
	}{
		{nil, "no registry credentials for " + host + ": run `drydock login " + host + "`"},
		{[]image.Option{image.WithBasicAuth("reader", "wrong")}, "refused the credentials of reader"},
		{[]image.Option{image.WithBasicAuth("norights", "right")}, "norights has no access to team/app"},
	}
	for _, tt := range tests {
		_, err := image.Open(context.Background(), ref, append(tt.opts, image.WithInsecure())...)
		wantImageError(t, err, ref, tt.says)
		if strings.Contains(tt.says, "credentials of") || strings.Contains(tt.says, "no access") {
			if errors.Is(err, image.ErrNoCredentials) || strings.Contains(err.Error(), "--username") {
				t.Errorf("with credentials, the error still says how to give some: %v", err)
			}
		}
	}
	t.Setenv(image.EnvUsername, "reader")
	t.Setenv(image.EnvPassword, "right")
	if _, err := image.Open(context.Background(), ref, image.WithInsecure()); err != nil {
		t.Errorf("credentials from %s: %v", image.EnvUsername, err)
	}
}
