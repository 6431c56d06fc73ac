package auth_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// TestSkopeoTokenFlow runs skopeo (containers/image, the client behind
// podman and buildah) against drydock's registry: it meets the Bearer
// challenge, fetches a token with Basic credentials and retries, with no
// drydock-specific code on its side. scripts/test.sh installs skopeo.
func TestSkopeoTokenFlow(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo is not installed (scripts/test.sh installs it from Debian's packages)")
	}
	w := newWorld(t)
	srv := drydockRegistry(t, w)
	host := strings.TrimPrefix(srv.URL, "http://")

	dir := filepath.Join(t.TempDir(), "layout")
	// skopeo's oci: transport only sees OCI media types.
	layer, err := random.Layer(256, types.OCILayer)
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layer)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	src := "oci:" + dir + ":v1"
	creds := func(user string) string { return user + ":" + w.secrets[user] }
	home := t.TempDir() // keep the caller's auth files and registries.conf out

	tests := []struct {
		name   string
		args   []string
		wantOK bool
	}{
		{"writer pushes", []string{"copy", "--dest-tls-verify=false", "--dest-creds", creds("wendy"), src, "docker://" + host + "/team/app:v1"}, true},
		{"robot pushes", []string{"copy", "--dest-tls-verify=false", "--dest-creds", creds("robot$team+ci"), src, "docker://" + host + "/team/ci:v1"}, true},
		{"reader cannot push", []string{"copy", "--dest-tls-verify=false", "--dest-creds", creds("alice"), src, "docker://" + host + "/team/other:v1"}, false},
		{"wrong password", []string{"copy", "--dest-tls-verify=false", "--dest-creds", "wendy:not-the-password", src, "docker://" + host + "/team/app:v2"}, false},
		{"reader inspects", []string{"inspect", "--tls-verify=false", "--creds", creds("alice"), "docker://" + host + "/team/app:v1"}, true},
		{"anonymous cannot inspect a private repository", []string{"inspect", "--tls-verify=false", "--no-creds", "docker://" + host + "/team/app:v1"}, false},
		{"admin pushes to the public namespace", []string{"copy", "--dest-tls-verify=false", "--dest-creds", creds("root"), src, "docker://" + host + "/pub/app:v1"}, true},
		{"anonymous inspects a public repository", []string{"inspect", "--tls-verify=false", "--no-creds", "docker://" + host + "/pub/app:v1"}, true},
		{"outsider cannot inspect", []string{"inspect", "--tls-verify=false", "--creds", creds("olga"), "docker://" + host + "/team/app:v1"}, false},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, bin, append([]string{"--insecure-policy"}, tt.args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/bin:/bin", "XDG_RUNTIME_DIR=" + home}
		out, err := cmd.CombinedOutput()
		cancel()
		if (err == nil) != tt.wantOK {
			t.Errorf("%s: skopeo %s: err %v, want success %t\n%s", tt.name, tt.args[0], err, tt.wantOK, out)
		}
		if tt.wantOK && tt.args[0] == "inspect" {
			d, _ := img.Digest()
			if !strings.Contains(string(out), d.String()) {
				t.Errorf("%s: inspect output lacks digest %s:\n%s", tt.name, d, out)
			}
		}
	}
}
