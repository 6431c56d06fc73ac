package admission

import (
	"fmt"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func TestParseImage(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	for in, want := range map[string]string{
		"nginx":                        "docker.io nginx latest ",
		"drydock.test:5000/team/app:1": "drydock.test:5000 team/app 1 ",
		"localhost/app@" + d:           "localhost app  " + d,
		"reg.io/a/b:v2@" + d:           "reg.io a/b v2 " + d,
		"team/app":                     "docker.io team/app latest ",
	} {
		r, err := parseImage(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := fmt.Sprintf("%s %s %s %s", r.Registry, r.Repo, r.Tag, r.Digest); got != want {
			t.Errorf("%s: %q; want %q", in, got, want)
		}
	}
	for _, bad := range []string{"", "reg.io/App:1", "reg.io/app:", "reg.io/app@sha256:zz", "reg.io//app", "a b", strings.Repeat("a", 2000)} {
		if _, err := parseImage(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestContainersOfEveryKind decodes each judged kind and finds every
// container, init container and ephemeral container with its patch path.
func TestContainersOfEveryKind(t *testing.T) {
	spec := `{"initContainers":[{"name":"i","image":"x/i"}],"containers":[{"name":"c","image":"x/c"}],"ephemeralContainers":[{"name":"e","image":"x/e"}]}`
	tmpl := `{"template":{"spec":` + spec + `}}`
	cases := map[string]struct {
		group, obj, prefix string
	}{
		"Pod":         {"", `{"spec":` + spec + `}`, "/spec"},
		"Deployment":  {"apps", `{"spec":` + tmpl + `}`, "/spec/template/spec"},
		"ReplicaSet":  {"apps", `{"spec":` + tmpl + `}`, "/spec/template/spec"},
		"StatefulSet": {"apps", `{"spec":` + tmpl + `}`, "/spec/template/spec"},
		"DaemonSet":   {"apps", `{"spec":` + tmpl + `}`, "/spec/template/spec"},
		"Job":         {"batch", `{"spec":` + tmpl + `}`, "/spec/template/spec"},
		"CronJob":     {"batch", `{"spec":{"schedule":"* * * * *","jobTemplate":{"spec":` + tmpl + `}}}`, "/spec/jobTemplate/spec/template/spec"},
	}
	for kind, c := range cases {
		cs, ok, err := containersOf(metav1.GroupVersionKind{Group: c.group, Version: "v1", Kind: kind}, []byte(c.obj))
		if !ok || err != nil || len(cs) != 3 {
			t.Fatalf("%s: %v %v %+v", kind, ok, err, cs)
		}
		want := []string{c.prefix + "/initContainers/0/image x/i", c.prefix + "/containers/0/image x/c", c.prefix + "/ephemeralContainers/0/image x/e"}
		for i, w := range want {
			if got := cs[i].Path + " " + cs[i].Image; got != w {
				t.Errorf("%s: %q; want %q", kind, got, w)
			}
		}
	}
	if _, ok, _ := containersOf(metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, []byte(`{}`)); ok {
		t.Error("ConfigMap judged")
	}
	if _, _, err := containersOf(metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, []byte(`{"spec":[]}`)); err == nil {
		t.Error("a Pod whose spec is a list decoded")
	}
}

func TestManifestsExcludeSystemNamespaces(t *testing.T) {
	y, err := Manifests(ManifestOptions{URL: "https://drydock.example:8443", NamespaceSelector: "env=prod", CABundle: []byte("PEM")})
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(y), "\n---\n")
	if len(docs) != 2 {
		t.Fatalf("%d documents", len(docs))
	}
	for i, path := range []string{MutatePath, ValidatePath} {
		var cfg struct {
			Kind     string
			Webhooks []struct {
				ClientConfig      struct{ URL string }
				FailurePolicy     string
				NamespaceSelector metav1.LabelSelector
			}
		}
		if err := yaml.Unmarshal([]byte(docs[i]), &cfg); err != nil {
			t.Fatal(err)
		}
		w := cfg.Webhooks[0]
		sel := w.NamespaceSelector
		if w.ClientConfig.URL != "https://drydock.example:8443"+path || w.FailurePolicy != "Fail" || sel.MatchLabels["env"] != "prod" ||
			len(sel.MatchExpressions) != 1 || strings.Join(sel.MatchExpressions[0].Values, ",") != "kube-system,kube-public,kube-node-lease" {
			t.Errorf("%s: %+v", cfg.Kind, cfg)
		}
	}
	for _, o := range []ManifestOptions{
		{URL: "http://drydock.example", CABundle: []byte("x")},
		{URL: "https://drydock.example", CABundle: []byte("x"), FailurePolicy: "Maybe"},
		{URL: "https://drydock.example", CABundle: []byte("x"), NamespaceSelector: "a in b"},
		{URL: "https://drydock.example"},
	} {
		if _, err := Manifests(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}
