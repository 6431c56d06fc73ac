package catalog

import (
	"slices"
	"testing"

	"github.com/drydock/drydock/inventory"
)

func TestEcosystem(t *testing.T) {
	tests := []struct {
		name    string
		release string // os-release content
		typ     string
		want    string
	}{
		{"debian 12", "ID=debian\nVERSION_ID=\"12\"\n", inventory.TypeDeb, "Debian:12"},
		{"debian sid has no version", "ID=debian\n", inventory.TypeDeb, "Debian"},
		{"ubuntu LTS", "ID=ubuntu\nVERSION_ID=\"22.04\"\n", inventory.TypeDeb, "Ubuntu:22.04:LTS"},
		{"ubuntu 24.04 LTS", "ID=ubuntu\nVERSION_ID=\"24.04\"\n", inventory.TypeDeb, "Ubuntu:24.04:LTS"},
		{"ubuntu interim April release", "ID=ubuntu\nVERSION_ID=\"23.04\"\n", inventory.TypeDeb, "Ubuntu:23.04"},
		{"ubuntu October release", "ID=ubuntu\nVERSION_ID=\"22.10\"\n", inventory.TypeDeb, "Ubuntu:22.10"},
		{"unknown deb distro", "ID=pureos\nVERSION_ID=10\n", inventory.TypeDeb, ""},
		{"alpine", "ID=alpine\nVERSION_ID=3.19.1\n", inventory.TypeAPK, "Alpine:v3.19"},
		{"alpine edge", "ID=alpine\nVERSION_ID=3.20.0_alpha20240329\n", inventory.TypeAPK, "Alpine:v3.20"},
		{"wolfi", "ID=wolfi\nVERSION_ID=20230201\n", inventory.TypeAPK, "Wolfi"},
		{"chainguard", "ID=chainguard\n", inventory.TypeAPK, "Chainguard"},
		{"rhel", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n", inventory.TypeRPM, "Red Hat:enterprise_linux:9"},
		{"rhel cpe", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:9::baseos\"\n", inventory.TypeRPM, "Red Hat:enterprise_linux:9"},
		{"rhel no version", "ID=\"rhel\"\n", inventory.TypeRPM, "Red Hat"},
		{"almalinux", "ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n", inventory.TypeRPM, "AlmaLinux:9"},
		{"rocky", "ID=\"rocky\"\nVERSION_ID=\"8.9\"\n", inventory.TypeRPM, "Rocky Linux:8"},
		{"sles", "ID=\"sles\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\n", inventory.TypeRPM, "SUSE:Linux Enterprise Server 15 SP5"},
		{"opensuse leap", "ID=\"opensuse-leap\"\nVERSION_ID=\"15.5\"\n", inventory.TypeRPM, "openSUSE:Leap 15.5"},
		{"fedora has no OSV ecosystem", "ID=fedora\nVERSION_ID=39\n", inventory.TypeRPM, ""},
		{"go module", "", inventory.TypeGoModule, "Go"},
		{"go stdlib", "", inventory.TypeGoStdlib, "Go"},
		{"npm", "", inventory.TypeNPM, "npm"},
		{"python", "", inventory.TypePython, "PyPI"},
		{"java", "", inventory.TypeJava, "Maven"},
		{"rust", "", inventory.TypeRust, "crates.io"},
		{"gem", "", inventory.TypeGem, "RubyGems"},
		{"php", "", inventory.TypePHP, "Packagist"},
		{"dotnet", "", inventory.TypeDotnet, "NuGet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := distro(parseOSRelease([]byte(tt.release)))
			if got := d.ecosystem(tt.typ); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOSPURL(t *testing.T) {
	tests := []struct {
		name    string
		release string
		rec     pkgRecord
		want    string
	}{
		{"rpm with epoch", "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n",
			pkgRecord{Type: inventory.TypeRPM, Name: "openssl", Version: "3.0.7-27.el9", Arch: "x86_64", Epoch: 1},
			"pkg:rpm/rhel/openssl@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1"},
		{"deb without os-release", "",
			pkgRecord{Type: inventory.TypeDeb, Name: "curl", Version: "7.88.1-10", Arch: "amd64"},
			"pkg:deb/debian/curl@7.88.1-10?arch=amd64"},
		{"apk lower-cases the name", "ID=alpine\nVERSION_ID=3.19.1\n",
			pkgRecord{Type: inventory.TypeAPK, Name: "Py3-Six", Version: "1.16.0-r8"},
			"pkg:apk/alpine/py3-six@1.16.0-r8?distro=alpine-3.19.1"},
		{"suse namespace", "ID=\"sles\"\nVERSION_ID=\"15.5\"\n",
			pkgRecord{Type: inventory.TypeRPM, Name: "bash", Version: "4.4-9.1"},
			"pkg:rpm/suse/bash@4.4-9.1?distro=sles-15.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distro(parseOSRelease([]byte(tt.release))).purl(tt.rec); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSplitSourceRPM(t *testing.T) {
	tests := []struct{ in, name, version string }{
		{"openssl-3.0.7-27.el9.src.rpm", "openssl", "3.0.7-27.el9"},
		{"python-setuptools-53.0.0-12.el9.src.rpm", "python-setuptools", "53.0.0-12.el9"},
		{"glibc-2.34-8.fc35.nosrc.rpm", "glibc", "2.34-8.fc35"},
		{"", "", ""},
		{"weird", "weird", ""},
	}
	for _, tt := range tests {
		name, version := splitSourceRPM(tt.in)
		if name != tt.name || version != tt.version {
			t.Errorf("splitSourceRPM(%q): got %q %q, want %q %q", tt.in, name, version, tt.name, tt.version)
		}
	}
}

func TestParseOwned(t *testing.T) {
	tests := []struct {
		name       string
		kind       ownerKind
		in         string
		want       []string
		wantOwners []string // per path, where the file lists several packages
	}{
		{"dpkg list", ownerDpkgList, "/.\n/usr\n/usr/bin/curl\n", []string{"usr", "usr/bin/curl"}, nil},
		{"distroless md5sums", ownerDpkgMD5, "abc  usr/share/doc/x\nbroken-line\n", []string{"usr/share/doc/x"}, nil},
		{"apk installed", ownerAPK, "P:a\nF:usr/bin\nR:a\nR:b\n\nP:c\nR:rootfile\n", []string{"usr/bin/a", "usr/bin/b", "rootfile"}, []string{"a", "a", "c"}},
		{"hostile paths stay inside the image", ownerDpkgList, "/../../etc/passwd\n", []string{"etc/passwd"}, nil},
	}
	for _, tt := range tests {
		got, owners := parseOwned(tt.kind, []byte(tt.in))
		if !slices.Equal(got, tt.want) || !slices.Equal(owners, tt.wantOwners) {
			t.Errorf("%s: got %q owned by %q, want %q owned by %q", tt.name, got, owners, tt.want, tt.wantOwners)
		}
	}
	for in, want := range map[string]string{"var/lib/dpkg/info/fzf.list": "fzf", "var/lib/dpkg/info/libc6:amd64.list": "libc6", "var/lib/dpkg/status.d/tzdata.md5sums": "tzdata"} {
		if got := ownerOfList(in); got != want {
			t.Errorf("ownerOfList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOwnerKind(t *testing.T) {
	tests := []struct {
		path string
		want ownerKind
	}{
		{"var/lib/dpkg/info/curl.list", ownerDpkgList},
		{"var/lib/dpkg/info/curl.md5sums", ownerNone},
		{"var/lib/dpkg/status.d/tzdata.md5sums", ownerDpkgMD5},
		{"lib/apk/db/installed", ownerAPK},
		{"var/lib/rpm/rpmdb.sqlite", ownerRPM},
		{"usr/lib/sysimage/rpm/Packages.db", ownerRPM},
		{"var/lib/rpm/Packages", ownerRPM},
		{"var/lib/rpm/Other", ownerNone},
		{"usr/lib/os-release", ownerOSRelease},
		{"etc/os-release.bak", ownerNone},
	}
	for _, tt := range tests {
		if got := ownerKindOf(tt.path); got != tt.want {
			t.Errorf("ownerKindOf(%q): got %d, want %d", tt.path, got, tt.want)
		}
	}
}
