package catalog_test

import (
	"bytes"
	"compress/zlib"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// auditableBinary makes a cargo-auditable binary the way the tool does:
// zlib-compressed dependency JSON in an ELF section named .dep-v0. It adds
// the section to a real ELF executable from this machine with objcopy,
// since a Rust build with cargo-auditable cannot run offline here.
func auditableBinary(t *testing.T) string {
	t.Helper()
	objcopy, err := exec.LookPath("objcopy")
	if err != nil {
		t.Skip("objcopy not installed (binutils): cannot add a .dep-v0 section")
	}
	var elf string
	for _, p := range []string{"/bin/true", "/usr/bin/true"} {
		if _, err := os.Stat(p); err == nil {
			elf = p
			break
		}
	}
	if elf == "" {
		t.Skip("no ELF executable to add a section to")
	}
	deps := `{"packages":[
	 {"name":"webapp","version":"0.3.1","source":"local","kind":"runtime","root":true,"dependencies":[1,2]},
	 {"name":"serde","version":"1.0.190","source":"crates.io","kind":"runtime"},
	 {"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"}]}`
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(deps))
	zw.Close()
	dir := t.TempDir()
	section, out := filepath.Join(dir, "deps.z"), filepath.Join(dir, "webapp")
	if err := os.WriteFile(section, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(objcopy, "--add-section", ".dep-v0="+section, "--set-section-flags", ".dep-v0=noload,readonly", elf, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRustAuditableBinary(t *testing.T) {
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "COPY webapp", Layer: imagetest.Layer(t,
		exe("usr/local/bin/webapp", auditableBinary(t)),
	)})
	inv := catalogV1(t, img)
	want := []pkgKey{
		{inventory.TypeRust, "serde", "1.0.190", "crates.io", "pkg:cargo/serde@1.0.190", "usr/local/bin/webapp", 0},
		{inventory.TypeRust, "webapp", "0.3.1", "crates.io", "pkg:cargo/webapp@0.3.1", "usr/local/bin/webapp", 0},
	}
	comparePackages(t, inv, want) // the build-only dependency cc is not shipped, so not reported
}

// A cargo-auditable binary an OS package installed still reports its
// crates, naming the package as their owner.
func TestDistroOwnedRustBinaryEmbeds(t *testing.T) {
	img := imagetest.Image(t, imagetest.Step{CreatedBy: "apt-get install webapp", Layer: imagetest.Layer(t,
		file("etc/os-release", debianRelease),
		file("var/lib/dpkg/status", dpkgEntry("webapp", "0.3.1-1", "rust-webapp", installed)),
		file("var/lib/dpkg/info/webapp.list", "/usr/bin/webapp\n"),
		exe("usr/bin/webapp", auditableBinary(t)),
	)})
	inv := catalogV1(t, img)
	serde := findPkg(inv, inventory.TypeRust, "serde")
	if serde == nil || serde.Owner != "webapp" || serde.Path != "usr/bin/webapp" {
		t.Errorf("serde in the deb's binary: got %+v, want it owned by webapp at usr/bin/webapp", serde)
	}
	if deb := findPkg(inv, inventory.TypeDeb, "webapp"); deb == nil {
		t.Error("the deb webapp itself is missing")
	}
}
