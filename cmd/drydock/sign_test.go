package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/drydock/drydock/internal/registrytest"
)

// TestKeySignVerify is the user's path: key generate with the password in
// $COSIGN_PASSWORD, sign a tag (resolved to its digest), verify with the
// right key (exit 0) and another key (exit 1), bad usage exit 2.
func TestKeySignVerify(t *testing.T) {
	reg := registrytest.Start(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("DRYDOCK_USERNAME", "admin")
	t.Setenv("DRYDOCK_PASSWORD", registrytest.AdminPassword)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Host + "/team/app:1.0"
	if err := remote.Write(reg.Ref(t, "team/app:1.0"), img, reg.Admin(context.Background())...); err != nil {
		t.Fatal(err)
	}
	dgst, _ := img.Digest()
	keys, other := t.TempDir(), t.TempDir()
	t.Setenv("COSIGN_PASSWORD", "s3cret")
	key, pub := filepath.Join(keys, "cosign.key"), filepath.Join(keys, "cosign.pub")
	tests := []struct {
		args     []string
		wantCode int
		want     string // a substring of stdout and stderr
	}{
		{[]string{"key", "generate", "--output-dir", keys}, exitPass, "private key written to " + key},
		{[]string{"key", "generate", "--output-dir", other}, exitPass, "public key written"},
		{[]string{"key", "generate", "--output-dir", keys}, exitUsage, "already exists"},
		{[]string{"verify", ref, "--key", pub, "--insecure"}, exitPolicy, "no signature is attached"},
		{[]string{"sign", ref, "--key", key, "--insecure", "--format", "both"}, exitPass, "signed " + reg.Host + "/team/app@" + dgst.String()},
		{[]string{"verify", ref, "--key", pub, "--insecure"}, exitPass, "verified bundle signature"},
		{[]string{"verify", ref, "--key", filepath.Join(other, "cosign.pub"), "--insecure"}, exitPolicy, "does not verify"},
		{[]string{"verify", ref, "--key", pub, "--insecure", "--attestation", "verdict"}, exitPolicy, "no attestation of type https://drydock.dev/attestation/verdict/v1"},
		{[]string{"verify", ref, "--key", pub, "--insecure", "--attestation", "bogus"}, exitUsage, "want slsaprovenance"},
		{[]string{"sign", ref, "--key", filepath.Join(keys, "missing.key"), "--insecure"}, exitUsage, "missing.key"},
		{[]string{"sign", ref, "--key", key, "--insecure", "--format", "zip"}, exitUsage, "want bundle, legacy or both"},
		{[]string{"verify", reg.Host + "/team/app:nope", "--key", pub, "--insecure"}, exitUsage, "MANIFEST_UNKNOWN"},
	}
	for _, tt := range tests {
		out, errOut, code := runDrydock(t, tt.args...)
		if code != tt.wantCode || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("drydock %s: exit %d, output %q; want exit %d and %q", strings.Join(tt.args, " "), code, out+errOut, tt.wantCode, tt.want)
		}
	}
	t.Setenv("COSIGN_PASSWORD", "wrong")
	if _, errOut, code := runDrydock(t, "sign", ref, "--key", key, "--insecure"); code != exitUsage || !strings.Contains(errOut, "wrong password") {
		t.Errorf("wrong password: exit %d, %q; want exit 2 naming the password", code, errOut)
	}
}

// TestDBPushPullSigned: `db push --key cosign.key` signs the database
// artifact; `db pull --key cosign.pub` takes it, and refuses (exit 1) one
// that the key did not sign.
func TestDBPushPullSigned(t *testing.T) {
	reg := registrytest.Start(t)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("COSIGN_PASSWORD", "")
	work := t.TempDir()
	db := filepath.Join(work, "vuln.db")
	creds := []string{"--insecure", "--username", "admin", "--password", registrytest.AdminPassword}
	ref := reg.Host + "/mirror/vulndb:latest"
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"db", "import", "--db", db, "../../vulndb/testdata/osv"}, exitPass, "5 records"},
		{[]string{"key", "generate", "--output-dir", work}, exitPass, "cosign.pub"},
		{append([]string{"db", "push", ref, "--db", db, "--key", filepath.Join(work, "cosign.key")}, creds...), exitPass, "pushed"},
		{append([]string{"db", "push", reg.Host + "/mirror/vulndb:unsigned", "--db", db}, creds...), exitPass, "pushed"},
		{append([]string{"db", "pull", ref, "--db", filepath.Join(work, "scanner.db"), "--key", filepath.Join(work, "cosign.pub")}, creds...), exitPass, "5 records"},
		{append([]string{"db", "pull", reg.Host + "/mirror/vulndb:unsigned", "--db", filepath.Join(work, "other.db"), "--key", filepath.Join(work, "cosign.pub")}, creds...), exitPolicy, "refusing an unverified database"},
	}
	for _, s := range steps {
		out, errOut, code := runDrydock(t, s.args...)
		if code != s.wantCode || !strings.Contains(out+errOut, s.want) {
			t.Errorf("drydock %s: exit %d, %q; want exit %d and %q", strings.Join(s.args, " "), code, out+errOut, s.wantCode, s.want)
		}
	}
}
