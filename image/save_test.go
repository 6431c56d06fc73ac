package image_test

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
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
