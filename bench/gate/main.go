// Command gate-bench measures `drydock gate` on an image built in code: a
// Debian 12 base layer (dpkg database of -packages packages, about -base-mb
// MB) and an application layer (about -app-mb MB). It times, each in wall
// clock: the scan alone and the whole gate (scan, push, four attestations,
// signature, tag), cold (empty layer cache, empty registry) and warm (a
// second build on the same base: base layer cached and already pushed),
// and signing the same digest with drydock's library and with the cosign
// CLI (when $DRYDOCK_COSIGN or scripts/cosign.sh provides it). Run it from
// the repository root:
//
//	go run ./bench/gate
package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/gate"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/vulndb"
)

const password = "gate bench admin password"

func main() {
	packages := flag.Int("packages", 120, "packages in the base layer's dpkg database")
	baseMB := flag.Int("base-mb", 40, "size of the base layer's content in MB")
	appMB := flag.Int("app-mb", 8, "size of the application layer's content in MB")
	flag.Parse()
	if err := run(*packages, *baseMB, *appMB); err != nil {
		log.Fatal(err)
	}
}

func run(packages, baseMB, appMB int) error {
	ctx := context.Background()
	work, err := os.MkdirTemp("", "gate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	srv, err := server.New(ctx, server.Config{DataDir: filepath.Join(work, "data"), AdminPassword: password},
		slog.New(slog.NewTextHandler(io.Discard, nil)), io.Discard)
	if err != nil {
		return err
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "http://")

	base := layer(1, baseMB, func(w *tw) {
		w.file("etc/os-release", []byte("ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n"))
		var b bytes.Buffer
		for i := 0; i < packages; i++ {
			fmt.Fprintf(&b, "Package: pkg%d\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.%d-1\nDescription: p\n\n", i, i)
		}
		w.file("var/lib/dpkg/status", b.Bytes())
	})
	imgA, err := ociImage(work, "a", base, layer(2, appMB, nil))
	if err != nil {
		return err
	}
	imgB, err := ociImage(work, "b", base, layer(3, appMB, nil))
	if err != nil {
		return err
	}
	dbPath := filepath.Join(work, "vuln.db")
	if err := vulndb.Build(ctx, dbPath, nil); err != nil {
		return err
	}
	db, err := vulndb.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	scanner, err := scan.New(db)
	if err != nil {
		return err
	}
	priv, _, err := sign.GenerateKeyPair(nil)
	if err != nil {
		return err
	}
	signer, err := sign.LoadSigner(priv, nil)
	if err != nil {
		return err
	}
	access := image.RegistryAccess{User: auth.AdminUser, Password: password, Insecure: true}
	cacheScan, cacheGate := filepath.Join(work, "cache-scan"), filepath.Join(work, "cache-gate")
	timeIt := func(f func() error) (time.Duration, error) {
		t0 := time.Now()
		err := f()
		return time.Since(t0), err
	}
	scanOnce := func(ref string) error {
		_, err := scanner.Scan(ctx, ref, scan.WithCatalogOptions(catalog.WithCacheDir(cacheScan)))
		return err
	}
	var digestA, lastSteps string
	gateOnce := func(ref, push string) error {
		res, err := gate.Run(ctx, gate.Config{Source: ref, Push: host + "/" + push, Signer: signer, Scanner: scanner,
			CatalogOptions: []catalog.Option{catalog.WithCacheDir(cacheGate)}, Access: access,
			Provenance: gate.Provenance{BuilderID: "bench"}})
		if err != nil {
			return err
		}
		if digestA == "" {
			digestA = res.Digest.String()
		}
		var steps []string
		for _, st := range res.Steps {
			steps = append(steps, fmt.Sprintf("%s %.2fs", st.Name, st.Duration.Seconds()))
		}
		lastSteps = strings.Join(steps, ", ")
		return nil
	}
	rows := []struct {
		name string
		f    func() error
	}{
		{"scan alone, cold (empty layer cache)", func() error { return scanOnce(imgA) }},
		{"scan alone, warm (same base, new app layer)", func() error { return scanOnce(imgB) }},
		{"gate, cold (empty cache, empty registry)", func() error { return gateOnce(imgA, "team/app:1") }},
		{"gate, warm (same base, new app layer)", func() error { return gateOnce(imgB, "team/app:2") }},
		{"registry login + one HEAD (fresh client: token exchange)", func() error {
			r, err := name.ParseReference(digestA, access.NameOptions()...)
			if err != nil {
				return err
			}
			_, err = remote.Head(r, access.RemoteOptions(ctx)...)
			return err
		}},
		{"drydock sign (library, bundle) of the gated digest", func() error {
			ropts, err := sign.Session(access.RemoteOptions(ctx))
			if err != nil {
				return err
			}
			d, desc, err := sign.Resolve(ctx, digestA, access.NameOptions(), ropts)
			if err != nil {
				return err
			}
			return signer.Sign(ctx, &sign.Target{Digest: d, Descriptor: desc, Remote: ropts}, sign.FormatBundle)
		}},
		{"cosign sign (CLI process, bundle) of the gated digest", func() error { return cosignSign(work, host, priv, digestA) }},
	}
	fmt.Printf("image: Debian 12 base (%d packages, %d MB) + app layer (%d MB)\n", packages, baseMB, appMB)
	for _, r := range rows {
		d, err := timeIt(r.f)
		if err != nil {
			fmt.Printf("%-56s  error: %v\n", r.name, err)
			continue
		}
		fmt.Printf("%-56s  %8.2fs\n", r.name, d.Seconds())
		if lastSteps != "" {
			fmt.Printf("    %s\n", lastSteps)
			lastSteps = ""
		}
	}
	return nil
}

// cosignSign runs `cosign sign` with the same key on the digest.
func cosignSign(work, host string, priv []byte, digest string) error {
	bin := os.Getenv("DRYDOCK_COSIGN")
	if bin == "" {
		out, err := exec.Command("scripts/cosign.sh").Output()
		if err != nil {
			return fmt.Errorf("no cosign: %v", err)
		}
		bin = strings.TrimSpace(string(out))
	}
	dir := filepath.Join(work, "cosign")
	os.MkdirAll(dir, 0o700)
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(auth.AdminUser + ":" + password))}}})
	os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o600)
	os.WriteFile(filepath.Join(dir, "k.key"), priv, 0o600)
	env := append(os.Environ(), "DOCKER_CONFIG="+dir, "HOME="+dir, "COSIGN_PASSWORD=", "COSIGN_YES=true")
	sc := filepath.Join(dir, "sc.json")
	for _, args := range [][]string{
		{"signing-config", "create", "--out", sc},
		{"sign", "--key", filepath.Join(dir, "k.key"), "--signing-config", sc, "--allow-insecure-registry", "--allow-http-registry", digest},
	} {
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Dir = env, dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cosign %s: %v: %s", args[0], err, out)
		}
	}
	return nil
}

// ociImage writes an image of the layers as an OCI layout; "oci:DIR".
func ociImage(work, name string, layers ...v1.Layer) (string, error) {
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return "", err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return "", err
	}
	dir := filepath.Join(work, name)
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return "", err
	}
	return "oci:" + dir, p.AppendImage(img)
}

// tw writes a layer's tar.
type tw struct {
	*tar.Writer
	rng *rand.Rand
}

func (w *tw) file(name string, body []byte) {
	w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)})
	w.Write(body)
}

// layer is mb MB of files, half compressible text and half random bytes,
// plus what extra writes.
func layer(seed uint64, mb int, extra func(*tw)) v1.Layer {
	var buf bytes.Buffer
	w := &tw{tar.NewWriter(&buf), rand.New(rand.NewPCG(seed, seed))}
	if extra != nil {
		extra(w)
	}
	for i := 0; i < mb*4; i++ {
		body := make([]byte, 256<<10)
		for j := range body {
			if i%2 == 0 {
				body[j] = "abcdefgh \n"[w.rng.IntN(10)]
			} else {
				body[j] = byte(w.rng.Uint32())
			}
		}
		w.file(fmt.Sprintf("usr/share/f%d/%d.dat", seed, i), body)
	}
	w.Close()
	b := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		panic(err)
	}
	return l
}
