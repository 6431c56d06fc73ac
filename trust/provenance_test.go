package trust_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/drydock/drydock/registry"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/trust"
)

// provenance is a SLSA provenance v1 predicate naming source as its
// source repository, in the shape `drydock gate --source-repo` writes.
func provenance(source string) []byte {
	return []byte(`{"buildDefinition":{"buildType":"https://drydock.dev/gate/build/v1",` +
		`"externalParameters":{"image":"prod/app","source":{"uri":"` + source + `","revision":"` + strings.Repeat("a", 40) + `"}}},` +
		`"runDetails":{"builder":{"id":"https://ci.example/pipeline"}}}`)
}

// TestCheckProvenance: with allowed source repositories listed, an image
// whose provenance from an allowed repository is signed by the trusted key
// passes; a provenance from another repository, one forged after signing,
// one signed by an untrusted key, and none at all are refused, each saying
// what was wrong. A namespace listing none asks nothing.
func TestCheckProvenance(t *testing.T) {
	ctx := context.Background()
	ci, stranger := newKey(t), newKey(t)
	reg := protectedRegistry(t, ci, false)
	g := trust.New(reg.Server.Store(), reg.Server.Blobs(), nil)
	const allowed = "https://git.example/team/app"

	good, other, forged, untrusted, bare := pushByDigest(t, reg, "prod/app"), pushByDigest(t, reg, "prod/app"),
		pushByDigest(t, reg, "prod/app"), pushByDigest(t, reg, "prod/app"), pushByDigest(t, reg, "prod/app")
	if err := g.CheckProvenance(ctx, "prod/app", bare.Subject()); err != nil {
		t.Fatalf("no source repositories listed: %v, want nil", err)
	}
	s := trust.NewSettings(reg.Server.Store(), nil)
	if err := s.SetSourceRepos(ctx, admin, "prod", []string{allowed, "https://git.example/team/lib"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		signer *sign.Signer
		tg     *sign.Target
		source string
	}{{ci.signer, good, allowed}, {ci.signer, other, "https://git.example/mallory/app"}, {stranger.signer, untrusted, allowed}} {
		if err := c.signer.Attest(ctx, c.tg, sign.PredicateSLSAProvenance, provenance(c.source), sign.FormatBundle); err != nil {
			t.Fatal(err)
		}
	}
	attachForged(t, ci.signer, forged, "https://git.example/mallory/app", allowed)

	if err := g.CheckProvenance(ctx, "prod/app", good.Subject()); err != nil {
		t.Errorf("provenance from an allowed repository: %v, want nil", err)
	}
	for name, c := range map[string]struct {
		tg   *sign.Target
		want string
	}{
		"other repository": {other, `source repository "https://git.example/mallory/app", which is not allowed`},
		"forged":           {forged, "has no provenance attestation signed by a trusted key"},
		"untrusted key":    {untrusted, "has no provenance attestation signed by a trusted key"},
		"none":             {bare, "has no provenance attestation"},
	} {
		err := g.CheckProvenance(ctx, "prod/app", c.tg.Subject())
		var r *registry.Refusal
		if !errors.As(err, &r) || !strings.Contains(r.Message, c.want) || !strings.Contains(r.Message, allowed) {
			t.Errorf("%s: %v, want a refusal containing %q and the allowed repositories", name, err, c.want)
		}
	}

	var se *trust.Error
	if err := s.SetSourceRepos(ctx, admin, "prod", []string{"https://git.example/a b"}); !errors.As(err, &se) {
		t.Errorf("SetSourceRepos with white space: %v, want a *trust.Error", err)
	}
	if err := s.SetSourceRepos(ctx, admin, "prod", nil); err != nil {
		t.Fatal(err)
	}
	if err := g.CheckProvenance(ctx, "prod/app", bare.Subject()); err != nil {
		t.Errorf("after clearing the source repositories: %v, want nil", err)
	}
}

// attachForged attaches a provenance signed as from source, then edited
// to name claimed.
func attachForged(t *testing.T, s *sign.Signer, tg *sign.Target, source, claimed string) {
	t.Helper()
	st, _ := sign.NewStatement(tg.Subject(), sign.PredicateSLSAProvenance, provenance(source))
	b, err := s.Bundle(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	forged, _ := sign.NewStatement(tg.Subject(), sign.PredicateSLSAProvenance, provenance(claimed))
	raw["dsseEnvelope"].(map[string]any)["payload"] = forged
	tampered, _ := json.Marshal(raw)
	if _, err := sign.AttachBundle(context.Background(), tg, sign.PredicateSLSAProvenance, tampered); err != nil {
		t.Fatal(err)
	}
}
