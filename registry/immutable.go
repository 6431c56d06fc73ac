package registry

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"

	"github.com/opencontainers/go-digest"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
)

// ImmutableTagRule is a namespace's rule that tags matching Pattern (a
// glob: "*" every tag, "v*", "release-*") never move and are never deleted.
type ImmutableTagRule = store.ImmutableTagRule

// RuleError is a tag rule or retention rule that cannot be accepted as
// given; it is the caller's mistake.
type RuleError struct{ msg string }

func (e *RuleError) Error() string { return "registry: " + e.msg }

// InvalidInput reports that the rule itself was wrong.
func (e *RuleError) InvalidInput() bool { return true }

// patternRE is the tag grammar with the glob characters * ? [ ] added.
var patternRE = regexp.MustCompile(`^[a-zA-Z0-9_.*?\[\]-]{1,128}$`)

// checkPattern accepts a glob over tags.
func checkPattern(p string) error {
	if !patternRE.MatchString(p) {
		return &RuleError{fmt.Sprintf("tag pattern %q: use tag characters (letters, digits, _ . -) and the globs * ? [ ]", p)}
	}
	if _, err := path.Match(p, ""); err != nil {
		return &RuleError{fmt.Sprintf("tag pattern %q: %v", p, err)}
	}
	return nil
}

// AddImmutableTagRule makes tags of namespace that match pattern immutable
// from now on; "" means every tag ("*"). It is audited as c's decision.
func (s *Service) AddImmutableTagRule(ctx context.Context, c Caller, namespace, pattern string) error {
	if pattern == "" {
		pattern = "*"
	}
	if err := auth.ValidateNamespace(namespace); err != nil {
		return err
	}
	if err := checkPattern(pattern); err != nil {
		return err
	}
	if err := s.st.AddImmutableTagRule(ctx, store.ImmutableTagRule{Namespace: namespace, Pattern: pattern}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: immutable tag rule %q of namespace %s (%w)", auth.ErrExists, pattern, namespace, err)
		}
		return err
	}
	s.record(c, auditlog.Event{Action: "tag-rule.add", Target: namespace + ":" + pattern, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// RemoveImmutableTagRule deletes a rule (store.ErrNotFound when absent).
func (s *Service) RemoveImmutableTagRule(ctx context.Context, c Caller, namespace, pattern string) error {
	if err := s.st.DeleteImmutableTagRule(ctx, namespace, pattern); err != nil {
		return err
	}
	s.record(c, auditlog.Event{Action: "tag-rule.remove", Target: namespace + ":" + pattern, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// ImmutableTagRules lists the rules of namespace, or all when "".
func (s *Service) ImmutableTagRules(ctx context.Context, namespace string) ([]ImmutableTagRule, error) {
	return s.st.ImmutableTagRules(ctx, namespace)
}

// immutableRule returns the pattern of the first rule protecting tag in
// repo's namespace, or "".
func (s *Service) immutableRule(ctx context.Context, repo, tag string) (string, error) {
	rules, err := s.rulesOf(ctx, repo)
	if err != nil {
		return "", err
	}
	return matchRule(rules, tag), nil
}

func (s *Service) rulesOf(ctx context.Context, repo string) ([]ImmutableTagRule, error) {
	ns, ok := auth.NamespaceOf(repo)
	if !ok {
		return nil, nil
	}
	return s.st.ImmutableTagRules(ctx, ns)
}

func matchRule(rules []ImmutableTagRule, tag string) string {
	for _, r := range rules {
		if ok, _ := path.Match(r.Pattern, tag); ok {
			return r.Pattern
		}
	}
	return ""
}

// heldBy is the store's test for tags that may be created but never
// moved: those one of rules matches; nil when there are none. The store
// checks and writes in one transaction, so concurrent pushes of a new
// immutable tag cannot both win.
func heldBy(rules []ImmutableTagRule) func(tag string) bool {
	if len(rules) == 0 {
		return nil
	}
	return func(tag string) bool { return matchRule(rules, tag) != "" }
}

// refuseMove answers a push that would move tag, which rule makes
// immutable.
func (s *Service) refuseMove(c Caller, repo, tag, rule, cur string, d digest.Digest) error {
	msg := fmt.Sprintf("tag %s of %s is immutable (namespace rule %q): it points at %s and cannot move to %s; push a new tag",
		tag, repo, rule, cur, d)
	return s.refuseTag(c, EventPushDenied, repo, tag, d, msg)
}

// checkTagDelete refuses deleting an immutable tag (alone or with its
// manifest).
func (s *Service) checkTagDelete(ctx context.Context, c Caller, repo, tag string, d digest.Digest) error {
	rule, err := s.immutableRule(ctx, repo, tag)
	if err != nil || rule == "" {
		return err
	}
	msg := fmt.Sprintf("tag %s of %s is immutable (namespace rule %q) and cannot be deleted", tag, repo, rule)
	return s.refuseTag(c, EventPushDenied, repo, tag, d, msg)
}

func (s *Service) refuseTag(c Caller, kind EventKind, repo, tag string, d digest.Digest, msg string) error {
	s.publish(c, Event{Kind: kind, Repo: repo, Digest: d, Tag: tag, Reason: msg})
	return &Error{Code: CodeDenied, Message: msg, cause: ErrImmutableTag}
}

// ErrImmutableTag is wrapped by the error refusing to move or delete an
// immutable tag.
// It wraps auth.ErrForbidden, which the REST API answers with 403.
var ErrImmutableTag = fmt.Errorf("%w: tag is immutable", auth.ErrForbidden)
