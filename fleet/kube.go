package fleet

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// InClusterEnvironment is the environment name of a client built from the
// service account of the pod drydock runs in (no kubeconfig found).
const InClusterEnvironment = "in-cluster"

// KubeConfigError is a kubeconfig that cannot be used: a file that does not
// exist or does not parse, a context it does not have, a cluster or user
// the context names that it lacks. It is the caller's mistake.
type KubeConfigError struct {
	// Kubeconfig is the file as given; "" for the default loading rules
	// ($KUBECONFIG, ~/.kube/config).
	Kubeconfig string
	// Context is the context asked for; "" for the current one.
	Context string
	Err     error
}

func (e *KubeConfigError) Error() string {
	file := e.Kubeconfig
	if file == "" {
		file = "the default kubeconfig ($KUBECONFIG or ~/.kube/config)"
	}
	if e.Context != "" {
		return fmt.Sprintf("kubeconfig %s, context %q: %v", file, e.Context, e.Err)
	}
	return fmt.Sprintf("kubeconfig %s: %v", file, e.Err)
}

func (e *KubeConfigError) Unwrap() error { return e.Err }

// InvalidInput reports true: the kubeconfig or context given was wrong.
func (e *KubeConfigError) InvalidInput() bool { return true }

// KubeClient builds a Kubernetes client the way kubectl does: from the
// kubeconfig file ("": $KUBECONFIG, else ~/.kube/config, else the pod's
// service account when drydock runs in a cluster) and the context (""
// keeps the file's current context). It returns the name of the context
// used, which the audit reports as the environment
// (InClusterEnvironment for a pod's service account).
func KubeClient(kubeconfig, context string) (kubernetes.Interface, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules = &clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}
	}
	fail := func(err error) (kubernetes.Interface, string, error) {
		return nil, "", &KubeConfigError{Kubeconfig: kubeconfig, Context: context, Err: err}
	}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	raw, err := cc.RawConfig()
	if err != nil {
		return fail(err)
	}
	name := raw.CurrentContext
	if context != "" {
		if _, ok := raw.Contexts[context]; !ok {
			return fail(fmt.Errorf("no such context (it has %s)", contextNames(raw.Contexts)))
		}
		name = context
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return fail(err)
	}
	if name == "" {
		name = InClusterEnvironment
	}
	// Listing every pod of a large cluster pages through the API; the
	// client's default of 5 requests a second would make that slow.
	cfg.QPS, cfg.Burst = 50, 100
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fail(err)
	}
	return c, name, nil
}

func contextNames[V any](m map[string]V) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, fmt.Sprintf("%q", n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// pageSize is how many pods one list request asks for (a variable for
// the tests of paging).
var pageSize int64 = 500

// KubeSource lists the containers running in a Kubernetes cluster.
type KubeSource struct {
	client      kubernetes.Interface
	environment string
	namespaces  []string

	mu   sync.Mutex
	last KubeCounts
}

var _ Source = (*KubeSource)(nil)

// KubeCounts says what the last Running call saw and left out.
type KubeCounts struct {
	Pods int
	// Containers counts the Running entries returned.
	Containers int
	// Pending counts containers with no image ID in their status yet (still
	// pulling, or never started).
	Pending int
	// NoDigest counts containers whose status names only an image ID (a
	// bare "sha256:…", the config's digest with some runtimes) and whose
	// spec names no digest either: the manifest digest they run is unknown.
	NoDigest int
}

// NewKubeSource lists the pods of the given namespaces (all when none;
// repeated names count once) through c. environment names the cluster in
// the report (KubeClient's context name).
func NewKubeSource(c kubernetes.Interface, environment string, namespaces []string) Source {
	var ns []string
	for _, n := range namespaces {
		if n != "" && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	return &KubeSource{client: c, environment: environment, namespaces: ns}
}

// Describe reads "kubernetes context prod", with the namespaces when the
// source is limited to some.
func (s *KubeSource) Describe() string {
	d := "kubernetes context " + s.environment
	if len(s.namespaces) > 0 {
		d += " (namespaces " + strings.Join(s.namespaces, ", ") + ")"
	}
	return d
}

// Counts is what the last Running call saw and left out.
func (s *KubeSource) Counts() KubeCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// Running lists every container of every pod, with the manifest digest it
// runs from (status.containerStatuses[].imageID) and its owning workload:
// the Deployment of a ReplicaSet's pods, the CronJob of a Job's pods, the
// StatefulSet or DaemonSet, else the bare Pod (or whatever other controller
// owns it). Init containers count while they run (sidecars); ephemeral
// containers count when they have a status. Pods that finished (Succeeded
// or Failed) are left out, except a Job's: a CronJob's image runs again at
// its next schedule. Labels are the workload's labels (the pod's for a bare
// Pod). Owners are looked up once per call.
func (s *KubeSource) Running(ctx context.Context) ([]Running, error) {
	owners := newOwnerCache(s.client)
	var out []Running
	var counts KubeCounts
	namespaces := s.namespaces
	if len(namespaces) == 0 {
		namespaces = []string{metav1.NamespaceAll}
	}
	for _, ns := range namespaces {
		opts := metav1.ListOptions{Limit: pageSize}
		for {
			list, err := s.client.CoreV1().Pods(ns).List(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("fleet: listing pods%s: %w", inNamespace(ns), err)
			}
			for i := range list.Items {
				pod := &list.Items[i]
				rs, err := s.pod(ctx, owners, pod, &counts)
				if err != nil {
					return nil, err
				}
				out = append(out, rs...)
			}
			if list.Continue == "" {
				break
			}
			opts.Continue = list.Continue
		}
	}
	counts.Containers = len(out)
	s.mu.Lock()
	s.last = counts
	s.mu.Unlock()
	return out, nil
}

func inNamespace(ns string) string {
	if ns == "" {
		return ""
	}
	return " in namespace " + ns
}

// pod lists one pod's running containers.
func (s *KubeSource) pod(ctx context.Context, owners *ownerCache, pod *corev1.Pod, counts *KubeCounts) ([]Running, error) {
	if done := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed; done && !ownedBy(pod, "Job") {
		return nil, nil
	}
	counts.Pods++
	specImages := map[string]string{}
	for _, c := range pod.Spec.Containers {
		specImages[c.Name] = c.Image
	}
	for _, c := range pod.Spec.InitContainers {
		specImages[c.Name] = c.Image
	}
	for _, c := range pod.Spec.EphemeralContainers {
		specImages[c.Name] = c.Image
	}
	var statuses []corev1.ContainerStatus
	statuses = append(statuses, pod.Status.ContainerStatuses...)
	for _, st := range pod.Status.InitContainerStatuses {
		if st.State.Running != nil {
			statuses = append(statuses, st)
		}
	}
	statuses = append(statuses, pod.Status.EphemeralContainerStatuses...)
	if len(statuses) == 0 {
		return nil, nil
	}
	var w owner
	var out []Running
	for _, st := range statuses {
		img := specImages[st.Name]
		if img == "" {
			img = st.Image
		}
		dg, known := runningDigest(st.ImageID, img)
		switch {
		case st.ImageID == "":
			counts.Pending++
			continue
		case !known:
			counts.NoDigest++
			continue
		}
		if w.Name == "" {
			var err error
			if w, err = owners.of(ctx, pod); err != nil {
				return nil, err
			}
		}
		out = append(out, Running{Environment: s.environment, Workload: w.Workload, Pod: pod.Name,
			Container: st.Name, Image: img, Digest: dg, Labels: maps.Clone(w.Labels)})
	}
	return out, nil
}

// runningDigest is the manifest digest a container runs from its status's
// imageID: "docker-pullable://reg/repo@sha256:…" or "reg/repo@sha256:…"
// name it after the "@". A bare "sha256:…" is the image's config digest
// with some runtimes, not its manifest digest: then the spec's image
// reference counts when it is pinned by digest, and otherwise the digest is
// not known.
func runningDigest(imageID, specImage string) (digest.Digest, bool) {
	if _, ref, ok := strings.Cut(imageID, "@"); ok {
		if d, err := digest.Parse(ref); err == nil {
			return d, true
		}
		return "", false
	}
	if _, ref, ok := strings.Cut(specImage, "@"); ok {
		if d, err := digest.Parse(ref); err == nil {
			return d, true
		}
	}
	return "", false
}

func ownedBy(obj metav1.Object, kind string) bool {
	ref := metav1.GetControllerOfNoCopy(obj)
	return ref != nil && ref.Kind == kind
}
