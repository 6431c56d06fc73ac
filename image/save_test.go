package image_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// writeDockerSave writes img as `docker save` did before docker 25: a
// manifest.json, the config and one plain tar per layer. edit, when set,
// may change a layer's bytes before they are written.
func writeDockerSave(t *testing.T, file string, img v1.Image, tag string, edit func(i int, b []byte) []byte) {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	put := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := img.RawConfigFile()
	cfgName, _ := img.ConfigName()
	put(cfgName.Hex+".json", cfg)
	layers, _ := img.Layers()
	var paths []string
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			b = edit(i, b)
		}
		p := fmt.Sprintf("layer%d/layer.tar", i)
		put(p, b)
		paths = append(paths, p)
	}
	m, _ := json.Marshal([]map[string]any{{"Config": cfgName.Hex + ".json", "RepoTags": []string{tag}, "Layers": paths}})
	put("manifest.json", m)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeDockerSave25 writes img as docker 25 and later do: the layout of
// writeDockerSave with every file under blobs/, plus an OCI manifest and
// an index.json naming it. It returns the manifest's digest.
func writeDockerSave25(t *testing.T, file string, img v1.Image, tag string) v1.Hash {
	t.Helper()
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	put := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	blob := func(b []byte) (string, v1.Descriptor) {
		h, n, _ := v1.SHA256(bytes.NewReader(b))
		p := "blobs/sha256/" + h.Hex
		put(p, b)
		return p, v1.Descriptor{Digest: h, Size: n}
	}
	cfg, _ := img.RawConfigFile()
	cfgPath, cfgDesc := blob(cfg)
	cfgDesc.MediaType = types.OCIConfigJSON
	m := v1.Manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, Config: cfgDesc}
	layers, _ := img.Layers()
	var paths []string
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		p, d := blob(b)
		d.MediaType = types.OCIUncompressedLayer
		m.Layers = append(m.Layers, d)
		paths = append(paths, p)
	}
	mb, _ := json.Marshal(m)
	_, md := blob(mb)
	md.MediaType = types.OCIManifestSchema1
	ib, _ := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{md}})
	put("index.json", ib)
	put("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	mj, _ := json.Marshal([]map[string]any{{"Config": cfgPath, "RepoTags": []string{tag}, "Layers": paths}})
	put("manifest.json", mj)
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return md.Digest
}
