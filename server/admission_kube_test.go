package server_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/crane"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"github.com/drydock/drydock/admission"
	"github.com/drydock/drydock/image/imagetest"
	"github.com/drydock/drydock/internal/kubetest"
)

// controlPlane starts etcd and kube-apiserver on loopback (internal/kubetest)
// and returns a client authenticated by a static token as a cluster admin,
// collecting the API server's warnings into warnings.
func controlPlane(t *testing.T, warnings *warningLog) *kubernetes.Clientset {
	t.Helper()
	cfg := rest.CopyConfig(kubetest.Start(t).Config)
	cfg.WarningHandler = warnings
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// warningLog keeps the warnings the API server returned.
type warningLog struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warningLog) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	m := w.msgs
	w.msgs = nil
	return m
}

// timed records how long drydock took over each admission request.
type timed struct {
	next http.Handler
	mu   sync.Mutex
	took map[string][]time.Duration
}

func (h *timed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h.next.ServeHTTP(w, r)
	if strings.HasPrefix(r.URL.Path, "/admission/") {
		h.mu.Lock()
		h.took[r.URL.Path] = append(h.took[r.URL.Path], time.Since(start))
		h.mu.Unlock()
	}
}

func (h *timed) reset() map[string][]time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.took
	h.took = map[string][]time.Duration{}
	return t
}

// TestAdmissionThroughKubeAPIServer registers drydock's webhooks (as
// drydock admission manifests writes them) with a real kube-apiserver and
// creates Pods and Deployments through client-go.
func TestAdmissionThroughKubeAPIServer(t *testing.T) {
	warnings := &warningLog{}
	cs := controlPlane(t, warnings)
	e := startAdmission(t, "staging")
	ctx := context.Background()

	// drydock's webhooks over TLS, with the generated certificate.
	cert, err := tls.LoadX509KeyPair(e.tlsFiles[0], e.tlsFiles[1])
	if err != nil {
		t.Fatal(err)
	}
	th := &timed{next: e.srv.Handler(), took: map[string][]time.Duration{}}
	hs := httptest.NewUnstartedServer(th)
	hs.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	hs.StartTLS()
	t.Cleanup(hs.Close)

	y, err := admission.Manifests(admission.ManifestOptions{URL: hs.URL, CABundle: e.ca, TimeoutSeconds: 10})
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(y), "\n---\n")
	var mut admissionregv1.MutatingWebhookConfiguration
	var val admissionregv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict([]byte(docs[0]), &mut); err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict([]byte(docs[1]), &val); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, &mut, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &val, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"prod", "staging"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pod := func(name string, images ...string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}
		for i, img := range images {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Image: img})
		}
		return p
	}
	strict := clusterHost + "/strict/app:1"
	// The API server takes up new webhook configurations within a
	// moment: wait until a failing image is refused.
	for i := 0; ; i++ {
		_, err := cs.CoreV1().Pods("prod").Create(ctx, pod(fmt.Sprintf("probe-%d", i), strict), metav1.CreateOptions{})
		if err != nil {
			if !strings.Contains(err.Error(), "CVE-2023-4911") || !strings.Contains(err.Error(), `fails policy "no-high"`) || !strings.Contains(err.Error(), `container "c0"`) {
				t.Fatalf("refusal through the API server lacks the reasons: %v", err)
			}
			break
		}
		if i == 100 {
			t.Fatal("the webhooks never took effect")
		}
		time.Sleep(100 * time.Millisecond)
	}

	pinned := clusterHost + "/team/app@" + e.digests["team/app:1"]
	p, err := cs.CoreV1().Pods("prod").Create(ctx, pod("web", clusterHost+"/team/app:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("passing image refused: %v", err)
	}
	if p.Spec.Containers[0].Image != pinned {
		t.Fatalf("pod image %s; want it pinned to %s", p.Spec.Containers[0].Image, pinned)
	}
	labels := map[string]string{"app": "api"}
	d, err := cs.AppsV1().Deployments("prod").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod("", clusterHost+"/team/app:1").Spec}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("deployment of a passing image refused: %v", err)
	}
	if img := d.Spec.Template.Spec.Containers[0].Image; img != pinned {
		t.Fatalf("deployment image %s; want %s", img, pinned)
	}
	_, err = cs.AppsV1().Deployments("prod").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod("", strict).Spec}}}, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "CVE-2023-4911") {
		t.Fatalf("deployment of a failing image: %v", err)
	}
	_, err = cs.CoreV1().Pods("prod").Create(ctx, pod("unsigned", clusterHost+"/signed/app@"+e.digests["signed/app:1"]), metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "requires a signature by a trusted key") {
		t.Fatalf("unsigned image: %v", err)
	}
	if _, err := cs.CoreV1().Pods("prod").Create(ctx, pod("signed", clusterHost+"/signed/app:2"), metav1.CreateOptions{}); err != nil {
		t.Fatalf("signed image refused: %v", err)
	}
	// kube-system is not judged.
	if _, err := cs.CoreV1().Pods("kube-system").Create(ctx, pod("sys", strict), metav1.CreateOptions{}); err != nil {
		t.Fatalf("kube-system judged: %v", err)
	}
	warnings.take()
	if _, err := cs.CoreV1().Pods("staging").Create(ctx, pod("audit", strict), metav1.CreateOptions{}); err != nil {
		t.Fatalf("audit mode refused: %v", err)
	}
	if w := warnings.take(); len(w) != 1 || !strings.Contains(w[0], "would refuse") || !strings.Contains(w[0], "CVE-2023-4911") {
		t.Fatalf("audit mode warnings %q", w)
	}

	latency(t, e, cs, th, pod)
}

// latency measures drydock's own time over the two webhooks for a
// five-container pod created through the API server: cold (five digests
// the webhook has not judged since start) and warm (the same again).
func latency(t *testing.T, e *admissionEnv, cs *kubernetes.Clientset, th *timed, pod func(string, ...string) *corev1.Pod) {
	ctx := context.Background()
	const coldPods, warmPods = 5, 100
	host := strings.TrimPrefix(e.hs.URL, "http://")
	var cold [][]string
	for i := range coldPods {
		var imgs []string
		for j := range 5 {
			img := imagetest.Image(t, imagetest.Step{Layer: imagetest.Layer(t, imagetest.File{Name: "etc/os-release", Body: "ID=debian\nVERSION_ID=\"12\"\n"},
				imagetest.File{Name: "app", Body: fmt.Sprintf("cold %d %d", i, j)})})
			ref := fmt.Sprintf("team/cold%d:%d", j, i)
			if err := crane.Push(img, host+"/"+ref, crane.Insecure); err != nil {
				t.Fatal(err)
			}
			d, _ := img.Digest()
			waitVerdict(t, e.srv.Store(), "team", d.String())
			imgs = append(imgs, clusterHost+"/"+ref)
		}
		cold = append(cold, imgs)
	}
	th.reset()
	var coldE2E, warmE2E []time.Duration
	for i, imgs := range cold {
		start := time.Now()
		if _, err := cs.CoreV1().Pods("prod").Create(ctx, pod(fmt.Sprintf("cold-%d", i), imgs...), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		coldE2E = append(coldE2E, time.Since(start))
	}
	coldT := th.reset()
	for i := range warmPods {
		start := time.Now()
		if _, err := cs.CoreV1().Pods("prod").Create(ctx, pod(fmt.Sprintf("warm-%d", i), cold[0]...), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		warmE2E = append(warmE2E, time.Since(start))
	}
	warmT := th.reset()
	for _, m := range []struct {
		name string
		took map[string][]time.Duration
		e2e  []time.Duration
	}{{"cold", coldT, coldE2E}, {"warm", warmT, warmE2E}} {
		v, mu := m.took[admission.ValidatePath], m.took[admission.MutatePath]
		if len(v) == 0 || len(mu) == 0 {
			t.Fatalf("%s: no webhook calls timed", m.name)
		}
		t.Logf("5-container pod, %s (%d pods): validate p50 %s p99 %s; mutate p50 %s p99 %s; pod create through the API server p50 %s p99 %s",
			m.name, len(m.e2e), pct(v, 50), pct(v, 99), pct(mu, 50), pct(mu, 99), pct(m.e2e, 50), pct(m.e2e, 99))
	}
}

func pct(ds []time.Duration, p int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i].Round(10 * time.Microsecond)
}
