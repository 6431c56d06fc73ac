package fleet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// owner is the workload a pod belongs to, with the labels reported for it.
type owner struct {
	Workload
	Labels map[string]string
	// found is true when the workload's object was read (its labels are
	// Labels); false for a controller drydock does not look up or one
	// that is gone.
	found bool
}

// ownerCache looks up each ReplicaSet, Job and workload once per audit: the
// pods of one Deployment share them.
type ownerCache struct {
	client kubernetes.Interface
	seen   map[string]owner // by "Kind namespace/name" of the object asked about
}

func newOwnerCache(c kubernetes.Interface) *ownerCache {
	return &ownerCache{client: c, seen: map[string]owner{}}
}

// of is the workload that owns pod: Pod → ReplicaSet → Deployment, Pod →
// Job → CronJob, a StatefulSet or DaemonSet, another controller by its
// kind and name, or the bare Pod. An owner that no longer exists (being
// deleted) leaves its child as the workload.
func (c *ownerCache) of(ctx context.Context, pod *corev1.Pod) (owner, error) {
	ref := metav1.GetControllerOfNoCopy(pod)
	if ref == nil {
		return owner{Workload: Workload{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name}, Labels: pod.Labels}, nil
	}
	o, err := c.lookup(ctx, ref.Kind, pod.Namespace, ref.Name)
	if err != nil {
		return owner{}, fmt.Errorf("fleet: finding the workload of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	if !o.found {
		// The pod's labels are the best there are.
		o.Labels = pod.Labels
	}
	return o, nil
}

// lookup resolves the object kind namespace/name to the workload at the top
// of its chain of controllers, once.
func (c *ownerCache) lookup(ctx context.Context, kind, ns, name string) (owner, error) {
	key := kind + " " + ns + "/" + name
	if o, ok := c.seen[key]; ok {
		return o, nil
	}
	self := owner{Workload: Workload{Kind: kind, Namespace: ns, Name: name}}
	var obj metav1.Object
	var err error
	get := metav1.GetOptions{}
	switch kind {
	case "ReplicaSet":
		obj, err = c.client.AppsV1().ReplicaSets(ns).Get(ctx, name, get)
	case "Deployment":
		obj, err = c.client.AppsV1().Deployments(ns).Get(ctx, name, get)
	case "StatefulSet":
		obj, err = c.client.AppsV1().StatefulSets(ns).Get(ctx, name, get)
	case "DaemonSet":
		obj, err = c.client.AppsV1().DaemonSets(ns).Get(ctx, name, get)
	case "Job":
		obj, err = c.client.BatchV1().Jobs(ns).Get(ctx, name, get)
	case "CronJob":
		obj, err = c.client.BatchV1().CronJobs(ns).Get(ctx, name, get)
	default:
		c.seen[key] = self
		return self, nil
	}
	switch {
	case apierrors.IsNotFound(err):
		c.seen[key] = self
		return self, nil
	case err != nil:
		return owner{}, fmt.Errorf("getting %s %s/%s: %w", kind, ns, name, err)
	}
	self.Labels, self.found = obj.GetLabels(), true
	o := self
	// A ReplicaSet's Deployment and a Job's CronJob are the workloads;
	// the other kinds are workloads themselves.
	if up := metav1.GetControllerOfNoCopy(obj); up != nil &&
		(kind == "ReplicaSet" && up.Kind == "Deployment" || kind == "Job" && up.Kind == "CronJob") {
		if o, err = c.lookup(ctx, up.Kind, ns, up.Name); err != nil {
			return owner{}, err
		}
		if !o.found { // the Deployment or CronJob is gone
			o = self
		}
	}
	c.seen[key] = o
	return o, nil
}
