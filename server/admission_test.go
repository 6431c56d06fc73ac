package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/drydock/drydock/admission"
	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/server"
	"github.com/drydock/drydock/sign"
	"github.com/drydock/drydock/store"
	"github.com/drydock/drydock/vulndb/vulndbtest"
)

// clusterHost is the name the cluster pulls drydock's images by.
const clusterHost = "drydock.test:5000"

const failHigh = "apiVersion: drydock/v1\nkind: Policy\nname: no-high\nseverity: {failOn: high}\n"

// admissionEnv is an assembled drydock serving the admission webhooks
// with the scan workers running, holding four scanned images: team/app:1
// (passes the default policy), strict/app:1 (the same image; namespace
// strict fails it for its High finding), signed/app:1 (unsigned) and
// signed/app:2 (signed by the key namespace signed trusts).
type admissionEnv struct {
	srv      *server.Server
	hs       *httptest.Server
	cfg      server.Config
	digests  map[string]string // "team/app:1" → sha256:…
	tlsFiles [2]string
	ca       []byte
}

func startAdmission(t testing.TB, audit ...string) *admissionEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	vdb := vulndbtest.FixturePath(t)
	dsn := "sqlite:" + filepath.Join(dir, "d.db")
	st, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"team", "strict", "signed"} {
		if err := st.CreateNamespace(ctx, auth.Namespace{Name: ns, Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutNamespaceEnforcement(ctx, store.NamespaceEnforcement{Namespace: "strict", Policy: failHigh, Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	cert, err := admission.GenerateCertificate("127.0.0.1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(crt, cert.Cert, 0o600)
	os.WriteFile(key, cert.Key, 0o600)
	cfg := server.Config{DataDir: dir, Database: dsn, Anonymous: true, VulnDB: vdb, Workers: 2, Addr: "127.0.0.1:0",
		TLSCert: crt, TLSKey: key, Admission: true, AdmissionRegistries: []string{clusterHost}, AdmissionAudit: audit}
	srv, hs := start(t.(*testing.T), cfg)
	if err := srv.Jobs().Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Jobs().Stop(context.Background()) })
	env := &admissionEnv{srv: srv, hs: hs, cfg: cfg, digests: map[string]string{}, tlsFiles: [2]string{crt, key}, ca: cert.CA}

	host := strings.TrimPrefix(hs.URL, "http://")
	debian := imagetest.Layer(t,
		imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
		imagetest.File{Name: "var/lib/dpkg/status", Body: "Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u1\n\n"},
	)
	img := imagetest.Image(t, imagetest.Step{Layer: debian})
	img2 := imagetest.Image(t, imagetest.Step{Layer: debian}, imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "app", Body: "v2"})})
	for ref, im := range map[string]v1.Image{"team/app:1": img, "strict/app:1": img, "signed/app:1": img, "signed/app:2": img2} {
		if err := crane.Push(im, host+"/"+ref, crane.Insecure); err != nil {
			t.Fatal(err)
		}
		d, _ := im.Digest()
		env.digests[ref] = d.String()
	}
	for ref, d := range env.digests {
		repo, _, _ := strings.Cut(ref, ":")
		ns, _, _ := strings.Cut(repo, "/")
		waitVerdict(t, st0(srv), ns, d)
	}
	// Namespace signed requires a signature by its trusted key; only
	// signed/app:2 has one.
	priv, pub, err := sign.GenerateKeyPair(nil)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := sign.LoadSigner(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	target, err := name.NewDigest(host+"/signed/app@"+env.digests["signed/app:2"], name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := signer.Sign(ctx, &sign.Target{Digest: target}, sign.FormatBundle); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store().AddTrustedKey(ctx, store.TrustedKey{Namespace: "signed", Name: "ci", PublicKey: string(pub), Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Store().PutNamespaceTrust(ctx, store.NamespaceTrust{Namespace: "signed", RequireSignature: true, Updated: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return env
}

func st0(srv *server.Server) *store.Store { return srv.Store() }

func waitVerdict(t testing.TB, st *store.Store, ns, d string) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if v, err := st.GetVerdict(context.Background(), ns, d); err == nil && v.Status != store.VerdictPending {
			return
		}
	}
	t.Fatalf("no verdict for %s in %s", d, ns)
}

// podReview is an AdmissionReview as the API server sends it for a pod
// created in ns with these images (name → image), the first an init
// container when init is set.
func podReview(ns, init string, images ...string) []byte {
	var cs []string
	for i, img := range images {
		cs = append(cs, fmt.Sprintf(`{"name":"c%d","image":%q,"resources":{}}`, i, img))
	}
	inits := ""
	if init != "" {
		inits = fmt.Sprintf(`"initContainers":[{"name":"setup","image":%q}],`, init)
	}
	return []byte(fmt.Sprintf(`{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{
"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
"kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},
"requestKind":{"group":"","version":"v1","kind":"Pod"},"requestResource":{"group":"","version":"v1","resource":"pods"},
"name":"web","namespace":%q,"operation":"CREATE",
"userInfo":{"username":"alice","groups":["system:authenticated"]},
"object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web","namespace":%q},"spec":{%s"containers":[%s]}},
"oldObject":null,"dryRun":false,"options":{"kind":"CreateOptions","apiVersion":"meta.k8s.io/v1"}}}`, ns, ns, inits, strings.Join(cs, ",")))
}

func deploymentReview(ns, image string) []byte {
	return []byte(fmt.Sprintf(`{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{
"uid":"d1","kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
"name":"api","namespace":%q,"operation":"CREATE","userInfo":{"username":"bob"},
"object":{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"api","namespace":%q},
"spec":{"selector":{"matchLabels":{"app":"api"}},"template":{"metadata":{"labels":{"app":"api"}},"spec":{"containers":[{"name":"api","image":%q}]}}}}}}`, ns, ns, image))
}

func (e *admissionEnv) review(t testing.TB, path string, body []byte) *admissionv1.AdmissionResponse {
	t.Helper()
	resp, err := http.Post(e.hs.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s", path, resp.Status)
	}
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Response == nil || out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" {
		t.Fatalf("answer is not an AdmissionReview v1 with a response: %+v", out)
	}
	return out.Response
}

type patchOp struct{ Op, Path, Value string }

func patchOf(t testing.TB, r *admissionv1.AdmissionResponse) []patchOp {
	t.Helper()
	if len(r.Patch) == 0 {
		return nil
	}
	if r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch {
		t.Fatalf("patch type %v", r.PatchType)
	}
	var ops []patchOp
	if err := json.Unmarshal(r.Patch, &ops); err != nil {
		t.Fatal(err)
	}
	return ops
}

// audited returns the audit events matching f, waiting a little for them:
// the webhook records a decision after it has answered.
func (e *admissionEnv) audited(f auditlog.Filter) ([]auditlog.Event, error) {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		evs, err := e.srv.Store().QueryAuditEvents(context.Background(), f)
		if err != nil || len(evs) > 0 || time.Now().After(deadline) {
			return evs, err
		}
	}
}

func TestAdmissionPinsAndAdmitsPassingImage(t *testing.T) {
	e := startAdmission(t)
	d := e.digests["team/app:1"]
	pinned := clusterHost + "/team/app@" + d

	r := e.review(t, admission.MutatePath, podReview("default", clusterHost+"/team/app:1", clusterHost+"/team/app:1", pinned))
	if !r.Allowed || r.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" {
		t.Fatalf("mutate: allowed %v uid %q", r.Allowed, r.UID)
	}
	ops := patchOf(t, r)
	want := []patchOp{{"replace", "/spec/initContainers/0/image", pinned}, {"replace", "/spec/containers/0/image", pinned}}
	if fmt.Sprint(ops) != fmt.Sprint(want) {
		t.Fatalf("patch = %v; want %v (the image already by digest is left alone)", ops, want)
	}
	r = e.review(t, admission.MutatePath, deploymentReview("default", clusterHost+"/team/app:1"))
	if ops := patchOf(t, r); len(ops) != 1 || ops[0].Path != "/spec/template/spec/containers/0/image" || ops[0].Value != pinned {
		t.Fatalf("deployment patch = %v", ops)
	}

	r = e.review(t, admission.ValidatePath, podReview("default", pinned, pinned))
	if !r.Allowed || len(r.Warnings) != 0 {
		t.Fatalf("validate of a passing pinned image: allowed %v, result %+v, warnings %v", r.Allowed, r.Result, r.Warnings)
	}
	evs, err := e.audited(auditlog.Filter{Action: "admission.review"})
	if err != nil || len(evs) == 0 || evs[0].Outcome != auditlog.OutcomeAllowed || evs[0].Actor != "alice" || evs[0].Target != "Pod default/web" {
		t.Fatalf("audit events %+v, %v", evs, err)
	}
}

func TestAdmissionRefusesWithEveryReason(t *testing.T) {
	e := startAdmission(t)
	strict := clusterHost + "/strict/app@" + e.digests["strict/app:1"]
	r := e.review(t, admission.ValidatePath, podReview("prod", "", strict, "docker.io/library/nginx:1.27", clusterHost+"/team/missing:1"))
	if r.Allowed || r.Result == nil || r.Result.Code != http.StatusForbidden {
		t.Fatalf("want a 403 refusal, got allowed %v result %+v", r.Allowed, r.Result)
	}
	msg := r.Result.Message
	for _, want := range []string{
		`container "c0" image "` + strict + `"`, `fails policy "no-high"`, "CVE-2023-4911",
		`container "c1" image "docker.io/library/nginx:1.27": registry docker.io is not allowed`,
		`container "c2" image "` + clusterHost + `/team/missing:1": not in drydock's registry`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal lacks %q:\n%s", want, msg)
		}
	}
	// The same image passes in a namespace whose policy passes it.
	r = e.review(t, admission.ValidatePath, podReview("prod", "", clusterHost+"/team/app@"+e.digests["team/app:1"]))
	if !r.Allowed {
		t.Fatalf("team/app refused: %+v", r.Result)
	}
	evs, _ := e.audited(auditlog.Filter{Action: "admission.review", Outcome: auditlog.OutcomeDenied})
	if len(evs) != 1 || !strings.Contains(evs[0].Reason, "CVE-2023-4911") {
		t.Fatalf("denials audited: %+v", evs)
	}
}

func TestAdmissionRequiresSignatureWhereNamespaceDoes(t *testing.T) {
	e := startAdmission(t)
	unsigned := clusterHost + "/signed/app@" + e.digests["signed/app:1"]
	signed := clusterHost + "/signed/app@" + e.digests["signed/app:2"]
	r := e.review(t, admission.ValidatePath, podReview("default", "", unsigned))
	if r.Allowed || !strings.Contains(r.Result.Message, "requires a signature by a trusted key") {
		t.Fatalf("unsigned image: allowed %v, %+v", r.Allowed, r.Result)
	}
	r = e.review(t, admission.ValidatePath, podReview("default", "", signed))
	if !r.Allowed {
		t.Fatalf("signed image refused: %+v", r.Result)
	}
	// The tag of the unsigned image is not pinned either: the registry
	// would not serve it.
	r = e.review(t, admission.MutatePath, podReview("default", "", clusterHost+"/signed/app:1"))
	if ops := patchOf(t, r); len(ops) != 0 {
		t.Fatalf("unsigned tag pinned: %v", ops)
	}
}

func TestAdmissionAuditModeWarns(t *testing.T) {
	e := startAdmission(t, "staging")
	strict := clusterHost + "/strict/app@" + e.digests["strict/app:1"]
	r := e.review(t, admission.ValidatePath, podReview("staging", "", strict))
	if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "would refuse container \"c0\"") || !strings.Contains(r.Warnings[0], "CVE-2023-4911") {
		t.Fatalf("audit mode: allowed %v warnings %q", r.Allowed, r.Warnings)
	}
	// Other namespaces still enforce.
	if r := e.review(t, admission.ValidatePath, podReview("prod", "", strict)); r.Allowed {
		t.Fatal("prod admitted a failing image")
	}
	evs, _ := e.audited(auditlog.Filter{Action: "admission.review", Outcome: auditlog.OutcomeAllowed})
	if len(evs) != 1 || !strings.Contains(evs[0].Reason, "audit mode; would refuse") {
		t.Fatalf("audit-mode decision audited: %+v", evs)
	}
}

func TestAdmissionBadReviews(t *testing.T) {
	e := startAdmission(t)
	for name, body := range map[string]string{
		"not JSON":     "{",
		"no request":   `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1"}`,
		"v1beta1 only": `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1beta1","request":{"uid":"x"}}`,
	} {
		resp, err := http.Post(e.hs.URL+admission.ValidatePath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s; want 400", name, resp.Status)
		}
	}
	r := e.review(t, admission.ValidatePath, podReview("default", "", "drydock.test:5000/Team/App:1"))
	if r.Allowed || !strings.Contains(r.Result.Message, "lower case") {
		t.Fatalf("bad image name: %+v", r.Result)
	}
}

// TestAdmissionRefusesWhatIsNotScannedInTime runs no scan workers: the
// pushed image's scan stays queued, and the review, after waiting until
// shortly before its deadline, refuses it as not scanned.
func TestAdmissionRefusesWhatIsNotScannedInTime(t *testing.T) {
	dir := t.TempDir()
	cert, err := admission.GenerateCertificate("127.0.0.1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	crt, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(crt, cert.Cert, 0o600)
	os.WriteFile(key, cert.Key, 0o600)
	_, hs := start(t, server.Config{DataDir: dir, Anonymous: true, Workers: -1, TLSCert: crt, TLSKey: key,
		Admission: true, AdmissionRegistries: []string{clusterHost}, AdmissionTimeout: time.Second})
	img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "x", Body: "y"})})
	if err := crane.Push(img, strings.TrimPrefix(hs.URL, "http://")+"/team/app:1", crane.Insecure); err != nil {
		t.Fatal(err)
	}
	e := &admissionEnv{hs: hs}
	start := time.Now()
	r := e.review(t, admission.ValidatePath, podReview("default", "", clusterHost+"/team/app:1"))
	took := time.Since(start)
	if r.Allowed || !strings.Contains(r.Result.Message, "not scanned") {
		t.Fatalf("unscanned image: allowed %v, %+v", r.Allowed, r.Result)
	}
	if took < 500*time.Millisecond || took > 3*time.Second {
		t.Errorf("answered after %s; want about the 1 s deadline", took)
	}
}
