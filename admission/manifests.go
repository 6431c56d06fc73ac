package admission

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"

	admissionregv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// SystemNamespaces are left out of admission by default: the control
// plane's own pods must start even when drydock is down.
var SystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// ManifestOptions describe the webhook configurations to write.
type ManifestOptions struct {
	// URL is drydock's base URL as the API server reaches it (https).
	URL string
	// Name prefixes the configurations' names. Default "drydock".
	Name string
	// NamespaceSelector is a label selector ("env=prod,team in (a,b)")
	// that namespaces must match; the system namespaces are excluded on
	// top of it unless IncludeSystem.
	NamespaceSelector string
	IncludeSystem     bool
	// CABundle is the PEM of the CA that signed drydock's serving
	// certificate.
	CABundle []byte
	// TimeoutSeconds is the API server's wait for an answer (1–30).
	// Default 10; drydock's own --admission-timeout must stay below it.
	TimeoutSeconds int32
	// FailurePolicy is Fail (default: nothing starts while drydock cannot
	// answer) or Ignore (everything starts unchecked while it cannot).
	FailurePolicy string
}

// Manifests writes the MutatingWebhookConfiguration and the
// ValidatingWebhookConfiguration as one YAML stream.
func Manifests(o ManifestOptions) ([]byte, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("--url %q: want https://host[:port][/path], which the API server can reach", o.URL)}
	}
	base := strings.TrimSuffix(u.String(), "/")
	if o.Name == "" {
		o.Name = "drydock"
	}
	if o.TimeoutSeconds == 0 {
		o.TimeoutSeconds = 10
	}
	if o.TimeoutSeconds < 1 || o.TimeoutSeconds > 30 {
		return nil, &ConfigError{Msg: fmt.Sprintf("timeout %d s: the API server takes 1 to 30", o.TimeoutSeconds)}
	}
	policy := admissionregv1.Fail
	switch o.FailurePolicy {
	case "", "Fail":
	case "Ignore":
		policy = admissionregv1.Ignore
	default:
		return nil, &ConfigError{Msg: fmt.Sprintf("failure policy %q: Fail or Ignore", o.FailurePolicy)}
	}
	if len(bytes.TrimSpace(o.CABundle)) == 0 {
		return nil, &ConfigError{Msg: "no CA bundle for the serving certificate"}
	}
	sel, err := namespaceSelector(o.NamespaceSelector, o.IncludeSystem)
	if err != nil {
		return nil, err
	}
	none := admissionregv1.SideEffectClassNone
	equivalent := admissionregv1.Equivalent
	client := func(path string) admissionregv1.WebhookClientConfig {
		u := base + path
		return admissionregv1.WebhookClientConfig{URL: &u, CABundle: o.CABundle}
	}
	ifNeeded := admissionregv1.IfNeededReinvocationPolicy
	mutating := admissionregv1.MutatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "MutatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + "-pin-digests"},
		Webhooks: []admissionregv1.MutatingWebhook{{
			Name: "pin.drydock.dev", ClientConfig: client(MutatePath), Rules: rules(), FailurePolicy: &policy,
			MatchPolicy: &equivalent, NamespaceSelector: sel, SideEffects: &none, TimeoutSeconds: &o.TimeoutSeconds,
			AdmissionReviewVersions: []string{"v1"}, ReinvocationPolicy: &ifNeeded,
		}},
	}
	validating := admissionregv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: metav1.ObjectMeta{Name: o.Name + "-policy"},
		Webhooks: []admissionregv1.ValidatingWebhook{{
			Name: "policy.drydock.dev", ClientConfig: client(ValidatePath), Rules: rules(), FailurePolicy: &policy,
			MatchPolicy: &equivalent, NamespaceSelector: sel, SideEffects: &none, TimeoutSeconds: &o.TimeoutSeconds,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	var out bytes.Buffer
	for i, obj := range []any{mutating, validating} {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b)
	}
	return out.Bytes(), nil
}

// rules are the kinds the webhooks judge, on create and update.
func rules() []admissionregv1.RuleWithOperations {
	ops := []admissionregv1.OperationType{admissionregv1.Create, admissionregv1.Update}
	rule := func(group string, resources ...string) admissionregv1.RuleWithOperations {
		return admissionregv1.RuleWithOperations{Operations: ops, Rule: admissionregv1.Rule{
			APIGroups: []string{group}, APIVersions: []string{"v1"}, Resources: resources}}
	}
	return []admissionregv1.RuleWithOperations{
		rule("", "pods", "pods/ephemeralcontainers"),
		rule("apps", "deployments", "replicasets", "statefulsets", "daemonsets"),
		rule("batch", "jobs", "cronjobs"),
	}
}

// namespaceSelector parses s and adds the exclusion of the system
// namespaces by their kubernetes.io/metadata.name label.
func namespaceSelector(s string, includeSystem bool) (*metav1.LabelSelector, error) {
	sel := &metav1.LabelSelector{}
	if strings.TrimSpace(s) != "" {
		var err error
		if sel, err = metav1.ParseToLabelSelector(s); err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("--namespace-selector %q: %v", s, err)}
		}
	}
	if !includeSystem {
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpNotIn, Values: slices.Clone(SystemNamespaces)})
	}
	return sel, nil
}
