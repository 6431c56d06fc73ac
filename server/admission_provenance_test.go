package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/drydock/drydock/admission"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/trust"
)

// TestAdmissionRequiresProvenanceWhereNamespaceDoes: namespace team lists
// one allowed source repository; the same image pushed as team/app and
// team/web carries, in team/app, a provenance from that repository and, in
// team/web, one from another, both signed by team's trusted key. A pod
// running both is refused for team/web's container alone, with the
// reason; a pod running team/app is admitted.
func TestAdmissionRequiresProvenanceWhereNamespaceDoes(t *testing.T) {
	ctx := context.Background()
	e := startAdmission(t)
	host := strings.TrimPrefix(e.hs.URL, "http://")
	d := e.digests["team/app:1"]
	img, err := crane.Pull(host+"/team/app@"+d, crane.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := crane.Push(img, host+"/team/web:1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	priv, pub, err := sign.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sign.LoadSigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	const allowed, other = "https://git.example/team/app", "https://git.example/mallory/app"
	for repo, source := range map[string]string{"team/app": allowed, "team/web": other} {
		target, err := name.NewDigest(host+"/"+repo+"@"+d, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		pred := `{"buildDefinition":{"buildType":"https://drydock.dev/gate/build/v1","externalParameters":{"source":{"uri":"` + source + `"}}},` +
			`"runDetails":{"builder":{"id":"https://ci.example/pipeline"}}}`
		if err := signer.Attest(ctx, &sign.Target{Digest: target}, sign.PredicateSLSAProvenance, []byte(pred), sign.FormatBundle); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.srv.Store().AddTrustedKey(ctx, store.TrustedKey{Namespace: "team", Name: "ci", PublicKey: string(pub), Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{Name: auth.AdminUser, Kind: "user", Admin: true}
	if err := trust.NewSettings(e.srv.Store(), nil).SetSourceRepos(ctx, admin, "team", []string{allowed}); err != nil {
		t.Fatal(err)
	}

	app, web := clusterHost+"/team/app@"+d, clusterHost+"/team/web@"+d
	r := e.review(t, admission.ValidatePath, podReview("default", "", app, web))
	if r.Allowed || r.Result == nil {
		t.Fatalf("pod with team/web's provenance from another repository admitted: %+v", r.Result)
	}
	msg := r.Result.Message
	want := `container "c1" image "` + web + `": namespace team requires provenance from an allowed source repository (` + allowed + `)`
	if !strings.Contains(msg, want) || !strings.Contains(msg, `"`+other+`", which is not allowed`) {
		t.Errorf("refusal lacks %q and the other repository:\n%s", want, msg)
	}
	if strings.Contains(msg, `container "c0"`) {
		t.Errorf("team/app's container refused too:\n%s", msg)
	}
	r = e.review(t, admission.ValidatePath, podReview("default", "", app))
	if !r.Allowed {
		t.Fatalf("team/app with provenance from the allowed repository refused: %+v", r.Result)
	}
}
