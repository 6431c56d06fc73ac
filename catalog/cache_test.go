package catalog_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// walkCounter wraps a real image and counts the walks of each layer: a
// decorator around the real thing, not a mock.
type walkCounter struct {
	image.Image
	mu    sync.Mutex
	walks map[string]int
}

type countedLayer struct {
	image.Layer
	c *walkCounter
}

var _ image.Layer = countedLayer{}

func (c *walkCounter) Layers() []image.Layer {
	var out []image.Layer
	for _, l := range c.Image.Layers() {
		out = append(out, countedLayer{l, c})
	}
	return out
}

func (l countedLayer) Walk(ctx context.Context, fn image.WalkFunc) error {
	l.c.mu.Lock()
	l.c.walks[l.DiffID()]++
	l.c.mu.Unlock()
	return l.Layer.Walk(ctx, fn)
}

func (c *walkCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, w := range c.walks {
		n += w
	}
	return n
}

func counted(t *testing.T, img v1.Image) *walkCounter {
	t.Helper()
	im, err := image.FromV1(img, "test:counted")
	if err != nil {
		t.Fatal(err)
	}
	return &walkCounter{Image: im, walks: map[string]int{}}
}

func run(t *testing.T, img image.Image, opts ...catalog.Option) *inventory.Inventory {
	t.Helper()
	inv, err := catalog.Catalog(context.Background(), img, opts...)
	if err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	return inv
}

// Two images sharing their two base layers: the second reads only its own.
func TestCacheSharesBaseLayers(t *testing.T) {
	base0 := imagetest.Layer(t, file("etc/os-release", debianRelease), file("var/lib/dpkg/status", stBase+stLibc))
	base1 := imagetest.Layer(t, file("var/lib/dpkg/status", stBase+stLibc+stCurl))
	appA := imagetest.Layer(t, file("app/package-lock.json", lockV3))
	appB := imagetest.Layer(t, file("app/node_modules/x/package.json", pkgJSON("x", "1.0.0")), whiteout("var/lib/dpkg/status"))
	imgA := imagetest.Image(t, imagetest.Step{Layer: base0, CreatedBy: "base"}, imagetest.Step{Layer: base1, CreatedBy: "curl"}, imagetest.Step{Layer: appA, CreatedBy: "app a"})
	imgB := imagetest.Image(t, imagetest.Step{Layer: base0, CreatedBy: "base"}, imagetest.Step{Layer: base1, CreatedBy: "curl"}, imagetest.Step{Layer: appB, CreatedBy: "app b"})
	dir := t.TempDir()

	a := counted(t, imgA)
	cold := run(t, a, catalog.WithCacheDir(dir))
	if got := a.total(); got != 3 {
		t.Errorf("cold catalog walks: got %d, want 3", got)
	}
	a2 := counted(t, imgA)
	warm := run(t, a2, catalog.WithCacheDir(dir))
	if got := a2.total(); got != 0 {
		t.Errorf("warm catalog of the same image walks: got %d, want 0", got)
	}
	if !reflect.DeepEqual(cold, warm) {
		t.Errorf("warm inventory differs from cold:\ngot  %+v\nwant %+v", warm, cold)
	}

	b := counted(t, imgB)
	invB := run(t, b, catalog.WithCacheDir(dir))
	diffB, _ := appB.DiffID()
	if got := b.total(); got != 1 || b.walks[diffB.String()] != 1 {
		t.Errorf("second image walks: got %v, want only its own layer %s once", b.walks, diffB)
	}
	uncached := run(t, counted(t, imgB), catalog.WithoutCache())
	if !reflect.DeepEqual(invB, uncached) {
		t.Errorf("cached inventory of image B differs from uncached:\ngot  %+v\nwant %+v", invB, uncached)
	}
	// Image B deleted the status file: its Debian packages are gone.
	if got := names(invB); !reflect.DeepEqual(got, []string{"npm/x@1.0.0"}) {
		t.Errorf("image B packages: got %v, want [npm/x@1.0.0]", got)
	}
}

func TestCorruptCacheEntriesAreRebuilt(t *testing.T) {
	img := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t, file("etc/os-release", debianRelease), file("var/lib/dpkg/status", stBase+stCurl)), CreatedBy: "base"},
		imagetest.Step{Layer: imagetest.Layer(t, file("app/package-lock.json", lockV1)), CreatedBy: "app"},
	)
	dir := t.TempDir()
	want := run(t, counted(t, img), catalog.WithCacheDir(dir))

	var entries []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			entries = append(entries, p)
		}
		return err
	})
	if err != nil || len(entries) != 2 {
		t.Fatalf("cache entries: got %v (%v), want 2", entries, err)
	}
	corruptions := []string{`{"version":"catalog-v1","files":{"x":`, "", `{"version":"some-older-cataloger"}`}
	for _, bad := range corruptions {
		for _, e := range entries {
			if err := os.WriteFile(e, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c := counted(t, img)
		got := run(t, c, catalog.WithCacheDir(dir))
		if c.total() != 2 {
			t.Errorf("cache %q: walks got %d, want 2 (rebuilt)", bad, c.total())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cache %q: inventory got %v, want %v", bad, names(got), names(want))
		}
		again := counted(t, img)
		run(t, again, catalog.WithCacheDir(dir))
		if again.total() != 0 {
			t.Errorf("cache %q: after rebuild walks got %d, want 0", bad, again.total())
		}
	}
	// Writes are atomic: no temporary files are left beside the entries.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp") {
			t.Errorf("temporary cache file left: %s", p)
		}
		return nil
	})
}

func TestWithoutCacheWritesNothing(t *testing.T) {
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, file("app/package-lock.json", lockV3)), CreatedBy: "app"})
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	inv := run(t, counted(t, img), catalog.WithoutCache())
	if findPkg(inv, inventory.TypeNPM, "left-pad") == nil {
		t.Errorf("left-pad not found: %v", names(inv))
	}
	if left, _ := os.ReadDir(home); len(left) != 0 {
		t.Errorf("WithoutCache wrote %v", left)
	}
	// The default cache folder is under os.UserCacheDir.
	run(t, counted(t, img))
	if _, err := os.Stat(filepath.Join(home, "drydock", "catalog")); err != nil {
		t.Errorf("default cache folder: %v", err)
	}
}

// A layer read under a smaller file limit skipped files; its result is not
// reused under a larger one.
func TestCacheKeepsTheFileLimit(t *testing.T) {
	big := pkgJSON("big", "1.0.0") + strings.Repeat(" ", 2048)
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, file("srv/node_modules/big/package.json", big)), CreatedBy: "app"})
	dir := t.TempDir()
	small := run(t, counted(t, img), catalog.WithCacheDir(dir), catalog.WithMaxFileSize(1024))
	if len(small.Packages) != 0 || len(small.Warnings) != 1 {
		t.Fatalf("with a 1 KiB limit: got %v and warnings %q, want no package and one warning", names(small), small.Warnings)
	}
	c := counted(t, img)
	full := run(t, c, catalog.WithCacheDir(dir))
	if c.total() != 1 || findPkg(full, inventory.TypeNPM, "big") == nil {
		t.Errorf("default limit after a small one: walks %d, packages %v; want 1 walk and npm/big", c.total(), names(full))
	}
}
