package catalog_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/inventory"
)

// rpmTestdata finds the rpm databases that go-rpmdb ships as its own test
// data, in the module cache. Building an rpm database needs rpm itself,
// which this machine does not have; these are real databases of the three
// formats (Berkeley DB, NDB, SQLite), read as input only.
func rpmTestdata(t *testing.T, name string) []byte {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/erikvarga/go-rpmdb").Output()
	if err != nil || len(out) == 0 {
		t.Skipf("go-rpmdb module not found: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "pkg", "testdata", name))
	if err != nil {
		t.Skipf("go-rpmdb test data: %v", err)
	}
	return b
}

func TestRPM(t *testing.T) {
	tests := []struct {
		name      string
		db        string // in go-rpmdb's testdata
		path      string // where the image keeps it
		osRelease string
		owned     string // a Python egg-info the database says an rpm installed
		wantCount int
		want      pkgKey
		wantSrc   [2]string
	}{{
		name:      "sqlite",
		db:        "fedora35/rpmdb.sqlite",
		path:      "var/lib/rpm/rpmdb.sqlite",
		osRelease: "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.3\"\n",
		owned:     "usr/lib64/python3.10/site-packages/libcomps-0.1.18-py3.10.egg-info/PKG-INFO",
		wantCount: 138,
		want: pkgKey{inventory.TypeRPM, "bash", "5.1.8-2.fc35", "Rocky Linux:9",
			"pkg:rpm/rocky/bash@5.1.8-2.fc35?arch=x86_64&distro=rocky-9.3", "var/lib/rpm/rpmdb.sqlite", 0},
		wantSrc: [2]string{"bash", "5.1.8-2.fc35"},
	}, {
		name:      "ndb",
		db:        "sle15-bci/Packages.db",
		path:      "usr/lib/sysimage/rpm/Packages.db",
		osRelease: "NAME=\"SLES\"\nID=\"sles\"\nVERSION_ID=\"15.3\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP3\"\n",
		wantCount: 35,
		want: pkgKey{inventory.TypeRPM, "bash", "4.4-19.6.1", "SUSE:Linux Enterprise Server 15 SP3",
			"pkg:rpm/suse/bash@4.4-19.6.1?arch=x86_64&distro=sles-15.3", "usr/lib/sysimage/rpm/Packages.db", 0},
		wantSrc: [2]string{"bash", "4.4-19.6.1"},
	}, {
		name:      "berkeley db, spooled to disk",
		db:        "centos7-plain/Packages",
		path:      "var/lib/rpm/Packages",
		osRelease: "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"7.9\"\n",
		owned:     "usr/lib64/python2.7/site-packages/pyxattr-0.5.1-py2.7.egg-info/PKG-INFO",
		wantCount: 144,
		want: pkgKey{inventory.TypeRPM, "bash", "4.2.46-30.el7", "Red Hat:enterprise_linux:7",
			"pkg:rpm/rhel/bash@4.2.46-30.el7?arch=x86_64&distro=rhel-7.9", "var/lib/rpm/Packages", 0},
		wantSrc: [2]string{"bash", "4.2.46-30.el7"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := []imagetest.File{file("etc/os-release", tt.osRelease), file(tt.path, string(rpmTestdata(t, tt.db)))}
			if tt.owned != "" {
				files = append(files, file(tt.owned, pyMetadata("owned", "1.0")))
			}
			files = append(files, file("opt/venv/lib/python3.11/site-packages/free-1.0.dist-info/METADATA", pyMetadata("free", "1.0")))
			tmp := t.TempDir()
			inv := catalogV1(t, imagetest.Image(t, imagetest.Step{CreatedBy: "ADD rootfs", Layer: imagetest.Layer(t, files...)}), catalog.WithTempDir(tmp))

			rpms := 0
			for _, p := range inv.Packages {
				if p.Type == inventory.TypeRPM {
					rpms++
				}
			}
			if rpms != tt.wantCount {
				t.Errorf("rpm packages: got %d, want %d", rpms, tt.wantCount)
			}
			p := findPkg(inv, inventory.TypeRPM, "bash")
			if p == nil {
				t.Fatalf("bash not found in %v", names(inv))
			}
			if keyOf(*p) != tt.want || p.SourceName != tt.wantSrc[0] || p.SourceVersion != tt.wantSrc[1] {
				t.Errorf("bash: got %+v, want %+v with source %v", *p, tt.want, tt.wantSrc)
			}
			if findPkg(inv, inventory.TypePython, "owned") != nil {
				t.Errorf("an rpm-owned egg-info was reported as PyPI")
			}
			if findPkg(inv, inventory.TypePython, "free") == nil {
				t.Errorf("an unowned dist-info was not reported")
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
			if len(inv.Warnings) != 0 {
				t.Errorf("warnings: got %q, want none", inv.Warnings)
			}
		})
	}
}
