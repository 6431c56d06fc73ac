package scan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/drydock/drydock/catalog"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/match"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/sbom"
	"github.com/drydock/drydock/scan"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// debianImage writes a two-layer bookworm image as an OCI layout: glibc's
// libc6 below the fixed version in the base layer, and in the second layer
// curl's library below its fix and openssh-client exactly at its fix.
func debianImage(t *testing.T) string {
	t.Helper()
	base := imagetest.DpkgStanza("libc6", "glibc", "2.36-9+deb12u1")
	img := imagetest.Image(t,
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "etc/os-release", Body: imagetest.DebianOSRelease},
			imagetest.File{Name: "var/lib/dpkg/status", Body: base},
		), CreatedBy: "ADD rootfs.tar /"},
		imagetest.Step{Layer: imagetest.Layer(t,
			imagetest.File{Name: "var/lib/dpkg/status", Body: base +
				imagetest.DpkgStanza("libcurl4", "curl", "7.88.1-10+deb12u4") +
				imagetest.DpkgStanza("openssh-client", "openssh", "1:9.2p1-2+deb12u3")},
		), CreatedBy: "RUN apt-get install -y curl openssh-client"},
	)
	return "oci:" + imagetest.LayoutDir(t, img)
}

func ids(fs []match.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return out
}

func TestRun(t *testing.T) {
	ref, db := debianImage(t), vulndbtest.FixtureDB(t)
	ctx := context.Background()
	noCache := scan.WithCatalogOptions(catalog.WithoutCache())
	want := []string{"CVE-2023-28322", "CVE-2023-46218", "CVE-2023-46219", "CVE-2023-4911"}

	high, err := policy.New(policy.WithFailOn(match.SeverityHigh))
	if err != nil {
		t.Fatal(err)
	}
	critical, err := policy.New(policy.WithFailOn(match.SeverityCritical))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy *policy.Policy
		// failing is the IDs the policy's severity reason names; nil: pass.
		failing []string
	}{
		{"default policy passes", policy.Default(), nil},
		{"fail on high", high, []string{"CVE-2023-46218", "CVE-2023-4911"}},
		{"fail on critical", critical, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scan.Run(ctx, ref, db, noCache, scan.WithPolicy(tc.policy))
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(res.Findings); !slices.Equal(got, want) {
				t.Fatalf("findings = %v, want %v (openssh-client is at its fix)", got, want)
			}
			var fail *policy.Failure
			switch {
			case tc.failing == nil && res.Err() != nil:
				t.Errorf("Err() = %v, want pass", res.Err())
			case tc.failing != nil && !errors.As(res.Err(), &fail):
				t.Errorf("Err() = %v, want a *policy.Failure", res.Err())
			case tc.failing != nil:
				got := slices.Clone(fail.Reasons[0].IDs)
				slices.Sort(got)
				if !slices.Equal(got, tc.failing) {
					t.Errorf("failure naming %v, want %v", got, tc.failing)
				}
			}
			rep := res.Report(match.SeverityHigh, "test")
			if len(rep.Findings) != len(res.Verdict.Findings) || rep.Inventory != res.Inventory {
				t.Errorf("report carries %d findings, want the verdict's %d", len(rep.Findings), len(res.Verdict.Findings))
			}
		})
	}

	t.Run("ignore unfixed counts only fixable findings", func(t *testing.T) {
		p, err := policy.New(policy.WithIgnoreUnfixed())
		if err != nil {
			t.Fatal(err)
		}
		res, err := scan.Run(ctx, ref, db, noCache, scan.WithPolicy(p))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Verdict.Findings {
			if len(f.Fixed) == 0 {
				t.Errorf("%s has no fix but still counts", f.ID)
			}
		}
	})
}

// TestRunStoredSBOM scans an SBOM written from the same image: the same
// findings, with the layers the SBOM carries.
func TestRunStoredSBOM(t *testing.T) {
	ref, db := debianImage(t), vulndbtest.FixtureDB(t)
	ctx := context.Background()
	inv, err := scan.Inventory(ctx, ref, nil, []catalog.Option{catalog.WithoutCache()})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.cdx.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sbom.Write(f, inv, sbom.FormatCycloneDX); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := scan.Run(ctx, "sbom:"+path, db)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Findings); len(got) != 4 {
		t.Errorf("findings from the SBOM = %v, want the 4 the image has", got)
	}
	for _, f := range res.Findings {
		if f.Package.Layer < 0 {
			t.Errorf("%s in %s lost its layer through the SBOM", f.ID, f.Package.Name)
		}
	}
}

func TestRunErrors(t *testing.T) {
	db := vulndbtest.FixtureDB(t)
	ctx := context.Background()
	type invalidInput interface{ InvalidInput() bool }
	for _, ref := range []string{"sbom:", "sbom:/nonexistent/app.json", "oci:/nonexistent/layout", "docker-archive:/nonexistent.tar"} {
		_, err := scan.Run(ctx, ref, db)
		var ec invalidInput
		if !errors.As(err, &ec) || !ec.InvalidInput() {
			t.Errorf("Run(%q) = %v, want a bad-input error (exit 2)", ref, err)
		}
	}
	if _, err := scan.Run(ctx, "sbom:x", db, scan.WithPolicy(nil)); err == nil {
		t.Error("WithPolicy(nil) accepted")
	}
}
