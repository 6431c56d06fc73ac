package admission

import (
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// container is one image a workload runs, with where it sits in the
// object (a JSON pointer to its image field, for the patch).
type container struct {
	Name  string
	Kind  string // "container", "init container", "ephemeral container"
	Image string
	Path  string
}

// podSpecPaths are where each kind keeps its pod spec, as JSON pointers.
var podSpecPaths = map[metav1.GroupVersionKind]string{
	{Group: "", Version: "v1", Kind: "Pod"}:             "/spec",
	{Group: "apps", Version: "v1", Kind: "Deployment"}:  "/spec/template/spec",
	{Group: "apps", Version: "v1", Kind: "ReplicaSet"}:  "/spec/template/spec",
	{Group: "apps", Version: "v1", Kind: "StatefulSet"}: "/spec/template/spec",
	{Group: "apps", Version: "v1", Kind: "DaemonSet"}:   "/spec/template/spec",
	{Group: "batch", Version: "v1", Kind: "Job"}:        "/spec/template/spec",
	{Group: "batch", Version: "v1", Kind: "CronJob"}:    "/spec/jobTemplate/spec/template/spec",
}

// Handles reports whether the webhook judges objects of kind.
func Handles(kind metav1.GroupVersionKind) bool {
	_, ok := podSpecPaths[kind]
	return ok
}

// containersOf decodes raw as kind and lists every container image of its
// pod spec. ok is false for a kind the webhook does not judge.
func containersOf(kind metav1.GroupVersionKind, raw []byte) (cs []container, ok bool, err error) {
	path, ok := podSpecPaths[kind]
	if !ok {
		return nil, false, nil
	}
	var spec *corev1.PodSpec
	switch kind.Kind {
	case "Pod":
		var o corev1.Pod
		err, spec = json.Unmarshal(raw, &o), &o.Spec
	case "Deployment":
		var o appsv1.Deployment
		err, spec = json.Unmarshal(raw, &o), &o.Spec.Template.Spec
	case "ReplicaSet":
		var o appsv1.ReplicaSet
		err, spec = json.Unmarshal(raw, &o), &o.Spec.Template.Spec
	case "StatefulSet":
		var o appsv1.StatefulSet
		err, spec = json.Unmarshal(raw, &o), &o.Spec.Template.Spec
	case "DaemonSet":
		var o appsv1.DaemonSet
		err, spec = json.Unmarshal(raw, &o), &o.Spec.Template.Spec
	case "Job":
		var o batchv1.Job
		err, spec = json.Unmarshal(raw, &o), &o.Spec.Template.Spec
	case "CronJob":
		var o batchv1.CronJob
		err, spec = json.Unmarshal(raw, &o), &o.Spec.JobTemplate.Spec.Template.Spec
	}
	if err != nil {
		return nil, true, fmt.Errorf("the %s in the review does not decode: %w", kind.Kind, err)
	}
	for i, c := range spec.InitContainers {
		cs = append(cs, container{Name: c.Name, Kind: "init container", Image: c.Image, Path: fmt.Sprintf("%s/initContainers/%d/image", path, i)})
	}
	for i, c := range spec.Containers {
		cs = append(cs, container{Name: c.Name, Kind: "container", Image: c.Image, Path: fmt.Sprintf("%s/containers/%d/image", path, i)})
	}
	for i, c := range spec.EphemeralContainers {
		cs = append(cs, container{Name: c.Name, Kind: "ephemeral container", Image: c.Image, Path: fmt.Sprintf("%s/ephemeralContainers/%d/image", path, i)})
	}
	return cs, true, nil
}
