package enforce_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/enforce"
	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/store/storetest"
)

// refused asserts err is a *registry.Refusal whose message holds every want.
func refused(t *testing.T, what string, err error, want ...string) *registry.Refusal {
	t.Helper()
	var r *registry.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("%s = %v, want a *registry.Refusal", what, err)
	}
	for _, w := range want {
		if !strings.Contains(r.Message, w) {
			t.Errorf("%s: message %q does not say %q", what, r.Message, w)
		}
	}
	return r
}

func TestGateQuarantinesWhatFailsAndWhatIsNotScanned(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		f := newFixture(t, st)
		img, layer, config := dg("image"), dg("layer"), dg("config")
		putImage(t, st, "prod/app", img, config, layer)
		putImage(t, st, "dev/app", img, config, layer)

		// Nothing enforces yet: served without a scan.
		if err := f.gate.MayServeManifest(ctx, "prod/app", img, admin); err != nil {
			t.Fatalf("before enforcing: %v", err)
		}
		f.enforce(t, "prod", highPolicy)

		r := refused(t, "not scanned", f.gate.MayServeManifest(ctx, "prod/app", img, admin), "not been scanned", "scan pending, retry in 30 s")
		if r.RetryAfter != 30*time.Second {
			t.Errorf("RetryAfter = %s, want 30s", r.RetryAfter)
		}
		f.scans.put(img, &enforce.ScanResult{State: enforce.StateFailed, Error: "layer 2: gzip: invalid header"})
		refused(t, "scan failed", f.gate.MayServeManifest(ctx, "prod/app", img, admin), "scan of", "failed", "gzip: invalid header")

		f.scans.put(img, opensslResult(img))
		f.gate.Invalidate(img)
		for _, p := range []auth.Principal{admin, {Name: "alice", Kind: "user"}, {Name: "robot$prod+ci", Kind: "robot"}} {
			refused(t, "failing image for "+p.Name, f.gate.MayServeManifest(ctx, "prod/app", img, p),
				`fails policy "prod"`, "1 finding (1 distinct ID) at or above high", "CVE-2024-5535 (high) in libssl3 3.0.11-1: fixed in 3.0.14-1")
		}
		// The same digest in a namespace that does not enforce is served.
		if err := f.gate.MayServeManifest(ctx, "dev/app", img, admin); err != nil {
			t.Errorf("dev/app: %v", err)
		}
		refused(t, "layer of a quarantined image", f.gate.MayServeBlob(ctx, "prod/app", layer, admin), "belongs only to quarantined images", "CVE-2024-5535")
		if err := f.gate.MayServeBlob(ctx, "prod/app", dg("unreferenced"), admin); err != nil {
			t.Errorf("a blob no manifest uses: %v", err)
		}
		// A layer a passing image shares is served.
		clean := dg("clean")
		putImage(t, st, "prod/app", clean, dg("config2"), layer)
		f.scans.put(clean, &enforce.ScanResult{State: enforce.StateScanned, Inventory: opensslResult(clean).Inventory})
		if err := f.gate.MayServeManifest(ctx, "prod/app", clean, admin); err != nil {
			t.Errorf("clean image: %v", err)
		}
		if err := f.gate.MayServeBlob(ctx, "prod/app", layer, admin); err != nil {
			t.Errorf("layer shared with a clean image: %v", err)
		}
		if err := f.gate.MayTag(ctx, "prod/app", "v1", img, admin); err != nil {
			t.Errorf("MayTag: %v", err)
		}
	})
}

func TestGateExceptionWithExpiry(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	img := dg("image")
	putImage(t, st, "prod/app", img, dg("layer"))
	f.scans.put(img, opensslResult(img))
	f.enforce(t, "prod", highPolicy)
	refused(t, "before the exception", f.gate.MayServeManifest(ctx, "prod/app", img, admin), "CVE-2024-5535")

	f.enforce(t, "prod", highPolicy+`exceptions:
  - {id: CVE-2024-5535, reason: "not reachable from our code", expires: "2026-12-01T00:00:00Z"}
`)
	if err := f.gate.MayServeManifest(ctx, "prod/app", img, admin); err != nil {
		t.Fatalf("with the exception: %v", err)
	}
	f.clock.set(time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC))
	if err := f.gate.MayServeManifest(ctx, "prod/app", img, admin); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	f.clock.set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	refused(t, "at expiry", f.gate.MayServeManifest(ctx, "prod/app", img, admin), "CVE-2024-5535", "fixed in 3.0.14-1")
}

func TestGateBypassIsForGrantedRobotsAndAudited(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	img := dg("image")
	putImage(t, st, "prod/app", img, dg("layer"))
	f.scans.put(img, opensslResult(img))
	f.enforce(t, "prod", highPolicy)
	forensics := auth.Principal{Name: "robot$prod+forensics", Kind: "robot"}
	if err := st.CreateRobot(ctx, auth.Robot{Name: forensics.Name, Namespace: "prod", Role: auth.RoleReader, SecretHash: []byte{1}, Created: f.clock.now()}); err != nil {
		t.Fatal(err)
	}
	refused(t, "robot without the grant", f.gate.MayServeManifest(ctx, "prod/app", img, forensics), "CVE-2024-5535")
	if err := f.settings.GrantBypass(ctx, auth.Principal{Name: "alice", Kind: "user"}, forensics.Name); !errors.Is(err, auth.ErrForbidden) {
		t.Fatalf("GrantBypass by a non-admin = %v, want ErrForbidden", err)
	}
	if err := f.settings.GrantBypass(ctx, admin, "alice"); err == nil {
		t.Fatal("GrantBypass to a user succeeded; want an error (robots only)")
	}
	if err := f.settings.GrantBypass(ctx, admin, forensics.Name); err != nil {
		t.Fatalf("GrantBypass: %v", err)
	}
	if err := f.gate.MayServeManifest(ctx, "prod/app", img, forensics); err != nil {
		t.Fatalf("robot with the grant: %v", err)
	}
	if err := f.gate.MayServeBlob(ctx, "prod/app", dg("layer"), forensics); err != nil {
		t.Fatalf("robot with the grant, blob: %v", err)
	}
	// A user of the same name is not the robot.
	refused(t, "user named like the robot", f.gate.MayServeManifest(ctx, "prod/app", img, auth.Principal{Name: forensics.Name, Kind: "user", Admin: true}), "CVE-2024-5535")
	evs, err := f.audit.Query(ctx, auditlog.Filter{Action: "pull.bypass-quarantine"})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Actor != forensics.Name || evs[0].Repo != "prod/app" || !strings.Contains(evs[0].Reason, "CVE-2024-5535") {
		t.Fatalf("audit = %+v, want two bypass events by %s naming the finding", evs, forensics.Name)
	}
	if err := f.settings.RevokeBypass(ctx, admin, forensics.Name); err != nil {
		t.Fatal(err)
	}
	refused(t, "after revoking", f.gate.MayServeManifest(ctx, "prod/app", img, forensics), "CVE-2024-5535")
}

func TestGateServesAttachmentsAndCachesUntilInvalidated(t *testing.T) {
	ctx := context.Background()
	st := storetest.SQLite(t)
	f := newFixture(t, st)
	img, sig := dg("image"), dg("signature")
	putImage(t, st, "prod/app", img, dg("layer"))
	if err := st.PutBlob(ctx, "prod/app", dg("sigblob").String(), 5); err != nil {
		t.Fatal(err)
	}
	if err := st.PutManifest(ctx, &store.Manifest{Repo: "prod/app", Digest: sig.String(), MediaType: imageManifest,
		ConfigMediaType: "application/vnd.dev.cosign.artifact.sig.v1+json", Subject: img.String(), Content: []byte("sig"),
		Blobs: []string{dg("sigblob").String()}}); err != nil {
		t.Fatal(err)
	}
	f.enforce(t, "prod", highPolicy)
	if err := f.gate.MayServeManifest(ctx, "prod/app", sig, admin); err != nil {
		t.Errorf("signature of a quarantined image: %v", err)
	}
	if err := f.gate.MayServeBlob(ctx, "prod/app", dg("sigblob"), admin); err != nil {
		t.Errorf("signature blob: %v", err)
	}
	clean := opensslResult(img)
	clean.Findings = nil
	f.scans.put(img, clean)
	if err := f.gate.MayServeManifest(ctx, "prod/app", img, admin); err != nil {
		t.Fatalf("clean: %v", err)
	}
	f.scans.put(img, opensslResult(img))
	// Cached until the recheck interval passes or someone invalidates.
	if err := f.gate.MayServeManifest(ctx, "prod/app", img, admin); err != nil {
		t.Fatalf("cached pass: %v", err)
	}
	f.gate.Invalidate(img)
	refused(t, "after Invalidate", f.gate.MayServeManifest(ctx, "prod/app", img, admin), "CVE-2024-5535")
}
