package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/store"
)

// RetentionRule keeps, in a namespace or one repository, the newest
// KeepLast tags and the tags pushed or pulled within KeepDays days.
type RetentionRule = store.RetentionRule

// SetRetentionRule creates or replaces the rule for scope, a namespace
// ("team") or a repository ("team/app"); a repository's rule wins over its
// namespace's. At least one of keepLast and keepDays is above zero.
func (s *Service) SetRetentionRule(ctx context.Context, c Caller, scope string, keepLast, keepDays int) error {
	if err := checkScope(scope); err != nil {
		return err
	}
	if keepLast < 0 || keepDays < 0 || keepLast == 0 && keepDays == 0 {
		return &RuleError{fmt.Sprintf("retention for %s: keep the last N tags and/or the tags used within D days (N, D > 0)", scope)}
	}
	if err := s.st.PutRetentionRule(ctx, store.RetentionRule{Scope: scope, KeepLast: keepLast, KeepDays: keepDays}); err != nil {
		return err
	}
	s.record(c, auditlog.Event{Action: "retention.set", Target: scope, Outcome: auditlog.OutcomeAllowed,
		Reason: fmt.Sprintf("keep last %d, used within %d days", keepLast, keepDays)})
	return nil
}

// RemoveRetentionRule deletes the rule for scope (store.ErrNotFound when absent).
func (s *Service) RemoveRetentionRule(ctx context.Context, c Caller, scope string) error {
	if err := s.st.DeleteRetentionRule(ctx, scope); err != nil {
		return err
	}
	s.record(c, auditlog.Event{Action: "retention.remove", Target: scope, Outcome: auditlog.OutcomeAllowed})
	return nil
}

// RetentionRules lists every retention rule.
func (s *Service) RetentionRules(ctx context.Context) ([]RetentionRule, error) {
	return s.st.RetentionRules(ctx)
}

func checkScope(scope string) error {
	ns, _, _ := strings.Cut(scope, "/")
	if err := auth.ValidateNamespace(ns); err != nil {
		return err
	}
	if !validName(scope) {
		return &RuleError{fmt.Sprintf("retention scope %q: a namespace or a repository name", scope)}
	}
	return nil
}

// RetentionOptions steer ApplyRetention.
type RetentionOptions struct {
	// Delete really deletes; false (the default) only reports — a dry run.
	Delete bool
	// Now is the time "within D days" counts back from; zero means now.
	Now time.Time
	// Log receives one line per tag that goes (or would go); nil discards.
	Log io.Writer
}

// RetentionReport counts what ApplyRetention did or, dry, would do.
type RetentionReport struct {
	Repositories int // repositories a rule covers
	Kept         int // tags a rule keeps
	Removed      int // tags deleted, or that a dry run would delete
	Immutable    int // tags past the rule but immutable, so kept
	DryRun       bool
}

// ApplyRetention deletes, in every repository a rule covers, the tags the
// rule does not keep, through DeleteTag (so each deletion is an event and
// audited as c's, and immutable tags stay). Manifests stay; a later gc
// reclaims blobs no manifest needs.
func (s *Service) ApplyRetention(ctx context.Context, c Caller, o RetentionOptions) (RetentionReport, error) {
	rep := RetentionReport{DryRun: !o.Delete}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	rules, err := s.st.RetentionRules(ctx)
	if err != nil || len(rules) == 0 {
		return rep, err
	}
	byScope := make(map[string]RetentionRule, len(rules))
	for _, r := range rules {
		byScope[r.Scope] = r
	}
	verb := map[bool]string{true: "deleted", false: "would delete"}[o.Delete]
	for last := ""; ; {
		repos, err := s.st.Repositories(ctx, last, 500)
		if err != nil {
			return rep, err
		}
		for _, repo := range repos {
			rule, ok := byScope[repo]
			if !ok {
				ns, _, _ := strings.Cut(repo, "/")
				if rule, ok = byScope[ns]; !ok {
					continue
				}
			}
			rep.Repositories++
			if err := s.retainRepo(ctx, c, repo, rule, o, verb, &rep); err != nil {
				return rep, err
			}
		}
		if len(repos) < 500 {
			break
		}
		last = repos[len(repos)-1]
	}
	if o.Delete {
		s.record(c, auditlog.Event{Action: "retention.apply", Outcome: auditlog.OutcomeAllowed,
			Reason: fmt.Sprintf("deleted %d tags in %d repositories; kept %d, and %d immutable", rep.Removed, rep.Repositories, rep.Kept, rep.Immutable)})
	}
	return rep, nil
}

func (s *Service) retainRepo(ctx context.Context, c Caller, repo string, rule RetentionRule, o RetentionOptions, verb string, rep *RetentionReport) error {
	uses, err := s.st.TagUses(ctx, repo)
	if err != nil {
		return err
	}
	since := o.Now.AddDate(0, 0, -rule.KeepDays)
	for i, u := range uses {
		keep := rule.KeepLast > 0 && i < rule.KeepLast ||
			rule.KeepDays > 0 && (u.Updated.After(since) || u.LastPulled.After(since))
		if keep {
			rep.Kept++
			continue
		}
		if pat, err := s.immutableRule(ctx, repo, u.Tag); err != nil {
			return err
		} else if pat != "" {
			rep.Immutable++
			continue
		}
		if o.Delete {
			if err := s.DeleteTag(ctx, c, repo, u.Tag); err != nil && !errors.Is(err, store.ErrNotFound) {
				var we *Error
				if errors.As(err, &we) && we.Code == CodeManifestUnknown {
					continue // deleted meanwhile
				}
				return err
			}
		}
		rep.Removed++
		fmt.Fprintf(o.Log, "retention: %s %s:%s (%s, pushed %s, last pulled %s)\n", verb, repo, u.Tag, u.Digest,
			u.Updated.Format(time.DateOnly), pulledDay(u.LastPulled))
	}
	return nil
}

func pulledDay(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format(time.DateOnly)
}
