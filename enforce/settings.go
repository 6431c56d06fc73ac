// Package enforce makes the registry act on verdicts. It owns each
// namespace's enforcement settings (quarantine on or off, and the policy the
// namespace judges by), the quarantine Gate that refuses to serve what fails
// that policy, has not been scanned or could not be scanned, the robots
// allowed past it for forensics, and the rematch that judges stored SBOMs
// again whenever the vulnerability database changes. It reads scan results
// through the small Scans seam and never scans anything itself.
package enforce

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
	"github.com/drydock/drydock/policy"
	"github.com/drydock/drydock/store"
)

// Policies says which policy judges the images of a namespace. Scan jobs
// take it, so a scan on push judges by the namespace's own policy.
type Policies interface {
	// Policy returns ns's policy, or the default policy when ns has none.
	Policy(ctx context.Context, ns string) (*policy.Policy, error)
}

var _ Policies = (*Settings)(nil)

// Namespace is one namespace's enforcement settings as loaded.
type Namespace struct {
	Name    string
	Enforce bool
	// Policy is nil when the namespace has none (it then judges by the
	// default policy); PolicyYAML is the text it was loaded from.
	Policy     *policy.Policy
	PolicyYAML string
	Updated    time.Time
	UpdatedBy  string
	// Broken is why a stored policy no longer loads; the gate then refuses
	// everything in the namespace rather than pass it.
	Broken error
}

// Settings reads and writes namespaces' enforcement settings. It keeps all
// of them, and the bypass grants, in memory, reloaded every refresh
// interval and at once after a change through it, so asking about a
// namespace that does not enforce costs no query.
type Settings struct {
	st       *store.Store
	audit    auditlog.Recorder
	fallback *policy.Policy
	now      func() time.Time
	refresh  time.Duration

	snap    atomic.Pointer[snapshot]
	loading sync.Mutex
	// onChange is called after a namespace's policy or switch changes.
	onChange []func(ns string)
}

type snapshot struct {
	ns     map[string]*Namespace
	bypass map[string]bool
	at     time.Time
}

// NewSettings loads every namespace's settings from st. Options read:
// WithClock, WithRefresh, WithAudit, WithDefaultPolicy.
func NewSettings(ctx context.Context, st *store.Store, opts ...Option) (*Settings, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	s := &Settings{st: st, audit: o.audit, fallback: o.fallback, now: o.now, refresh: o.refresh}
	if err := s.reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// OnChange registers fn to be called with a namespace's name after its
// settings change through s (the gate drops its cached decisions).
func (s *Settings) OnChange(fn func(ns string)) { s.onChange = append(s.onChange, fn) }

// reload reads every setting and bypass grant into a new snapshot.
func (s *Settings) reload(ctx context.Context) error {
	rows, err := s.st.ListNamespaceEnforcement(ctx)
	if err != nil {
		return err
	}
	grants, err := s.st.ListQuarantineBypass(ctx)
	if err != nil {
		return err
	}
	sn := &snapshot{ns: make(map[string]*Namespace, len(rows)), bypass: make(map[string]bool, len(grants)), at: s.now()}
	for _, r := range rows {
		n := &Namespace{Name: r.Namespace, Enforce: r.Enforce, PolicyYAML: r.Policy, Updated: r.Updated, UpdatedBy: r.UpdatedBy}
		if r.Policy != "" {
			if n.Policy, err = policy.Parse([]byte(r.Policy), r.Namespace+".yaml"); err != nil {
				n.Policy, n.Broken = nil, err
			}
		}
		sn.ns[r.Namespace] = n
	}
	for _, g := range grants {
		sn.bypass[g.Robot] = true
	}
	s.snap.Store(sn)
	return nil
}

// current returns the snapshot, reloading it first when older than the
// refresh interval. Only one caller reloads; the others use the old one.
// A failed reload keeps the old snapshot (the store may be back soon).
func (s *Settings) current(ctx context.Context) *snapshot {
	sn := s.snap.Load()
	if s.now().Sub(sn.at) < s.refresh {
		return sn
	}
	if !s.loading.TryLock() {
		return sn
	}
	defer s.loading.Unlock()
	if err := s.reload(ctx); err != nil {
		return sn
	}
	return s.snap.Load()
}

// Lookup returns ns's settings; ok is false when it has none.
func (s *Settings) Lookup(ctx context.Context, ns string) (Namespace, bool) {
	n, ok := s.current(ctx).ns[ns]
	if !ok {
		return Namespace{Name: ns}, false
	}
	return *n, true
}

// enforcing returns ns's settings when ns quarantines, nil otherwise.
func (s *Settings) enforcing(ctx context.Context, ns string) *Namespace {
	if n := s.current(ctx).ns[ns]; n != nil && n.Enforce {
		return n
	}
	return nil
}

// mayBypass reports whether p is a robot holding the bypass-quarantine grant.
func (s *Settings) mayBypass(ctx context.Context, p auth.Principal) bool {
	return p.Kind == "robot" && s.current(ctx).bypass[p.Name]
}

// Policy returns ns's policy, or the default policy when it has none.
func (s *Settings) Policy(ctx context.Context, ns string) (*policy.Policy, error) {
	n := s.current(ctx).ns[ns]
	switch {
	case n == nil:
	case n.Broken != nil:
		return nil, fmt.Errorf("enforce: the stored policy of namespace %s no longer loads: %w", ns, n.Broken)
	case n.Policy != nil:
		return n.Policy, nil
	}
	return s.fallback, nil
}

// Get returns ns's settings for actor: system administrators, the
// namespace's members and its robots may read them.
func (s *Settings) Get(ctx context.Context, actor auth.Principal, ns string) (Namespace, error) {
	if _, err := s.st.GetNamespace(ctx, ns); err != nil {
		return Namespace{}, err
	}
	if !actor.Admin && !s.isMember(ctx, actor, ns) {
		return Namespace{}, fmt.Errorf("%w: only members of namespace %s see its policy", auth.ErrForbidden, ns)
	}
	n, _ := s.Lookup(ctx, ns)
	return n, nil
}

func (s *Settings) isMember(ctx context.Context, actor auth.Principal, ns string) bool {
	switch actor.Kind {
	case "user":
		_, err := s.st.GetMember(ctx, ns, actor.Name)
		return err == nil
	case "robot":
		r, err := s.st.GetRobot(ctx, actor.Name)
		return err == nil && r.Namespace == ns
	}
	return false
}

// Change is what Set changes; nil fields stay as they are.
type Change struct {
	// Enforce turns quarantine on or off.
	Enforce *bool
	// Policy is a policy file's YAML; it is checked with package policy
	// before anything is stored.
	Policy []byte
}

// Set changes ns's settings. Namespace admins and system administrators
// may; the change is audited with the policy's digest.
func (s *Settings) Set(ctx context.Context, actor auth.Principal, ns string, c Change) (Namespace, error) {
	if err := auth.ValidateNamespace(ns); err != nil {
		return Namespace{}, &InputError{Err: err}
	}
	if err := s.requireAdmin(ctx, actor, ns); err != nil {
		return Namespace{}, err
	}
	cur, err := s.st.GetNamespaceEnforcement(ctx, ns)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Namespace{}, err
	}
	cur.Namespace = ns
	if c.Enforce != nil {
		cur.Enforce = *c.Enforce
	}
	var p *policy.Policy
	if c.Policy != nil {
		if p, err = ParsePolicy(c.Policy, ns); err != nil {
			return Namespace{}, err
		}
		cur.Policy, cur.PolicyDigest = string(c.Policy), p.ID().Digest
	}
	cur.Updated, cur.UpdatedBy = s.now().UTC(), actor.Name
	if err := s.st.PutNamespaceEnforcement(ctx, cur); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Namespace{}, fmt.Errorf("namespace %s: %w", ns, auth.ErrNotFound)
		}
		return Namespace{}, err
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "namespace.enforcement", Repo: ns,
		Target: cur.PolicyDigest, Outcome: auditlog.OutcomeAllowed, Reason: fmt.Sprintf("enforce %t", cur.Enforce)})
	if err := s.reload(ctx); err != nil {
		return Namespace{}, err
	}
	for _, fn := range s.onChange {
		fn(ns)
	}
	n, _ := s.Lookup(ctx, ns)
	return n, nil
}

// ParsePolicy checks a namespace policy's YAML with package policy. A
// namespace policy may not name VEX files: the server would read them from
// its own disk on behalf of whoever sent the policy.
func ParsePolicy(data []byte, ns string) (*policy.Policy, error) {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err == nil {
		if _, ok := top["vex"]; ok {
			return nil, &InputError{Err: fmt.Errorf("policy for namespace %s: a namespace policy cannot name VEX files (vex:); they would be read from the server's disk", ns)}
		}
	}
	p, err := policy.Parse(data, ns+".yaml")
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("policy for namespace %s: %w", ns, err)}
	}
	return p, nil
}

// requireAdmin lets system administrators, local CLI users and the
// namespace's admins (users, never robots) change its settings.
func (s *Settings) requireAdmin(ctx context.Context, actor auth.Principal, ns string) error {
	if actor.Admin {
		return nil
	}
	if actor.Kind == "user" {
		m, err := s.st.GetMember(ctx, ns, actor.Name)
		if err == nil && m.Role >= auth.RoleAdmin {
			return nil
		}
		if err != nil && !errors.Is(err, auth.ErrNotFound) {
			return err
		}
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: "namespace.enforcement", Repo: ns,
		Outcome: auditlog.OutcomeDenied, Reason: "not an admin of namespace " + ns})
	return fmt.Errorf("%w: changing enforcement needs an admin of namespace %s", auth.ErrForbidden, ns)
}

// GrantBypass gives robot the bypass-quarantine grant (system admins only).
func (s *Settings) GrantBypass(ctx context.Context, actor auth.Principal, robot string) error {
	return s.changeBypass(ctx, actor, robot, true)
}

// RevokeBypass takes the grant away (system admins only).
func (s *Settings) RevokeBypass(ctx context.Context, actor auth.Principal, robot string) error {
	return s.changeBypass(ctx, actor, robot, false)
}

func (s *Settings) changeBypass(ctx context.Context, actor auth.Principal, robot string, grant bool) error {
	action := map[bool]string{true: "quarantine.bypass.grant", false: "quarantine.bypass.revoke"}[grant]
	if !actor.Admin {
		s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Target: robot, Outcome: auditlog.OutcomeDenied, Reason: "not a system administrator"})
		return fmt.Errorf("%w: %s needs a system administrator", auth.ErrForbidden, action)
	}
	if _, _, err := auth.ParseRobotName(robot); err != nil {
		return &InputError{Err: fmt.Errorf("bypass-quarantine is granted to robots only: %w", err)}
	}
	var err error
	if grant {
		err = s.st.GrantQuarantineBypass(ctx, store.QuarantineBypass{Robot: robot, GrantedBy: actor.Name, Granted: s.now().UTC()})
	} else {
		err = s.st.RevokeQuarantineBypass(ctx, robot)
	}
	if errors.Is(err, store.ErrNotFound) {
		return &InputError{Err: err}
	}
	if err != nil {
		return err
	}
	s.record(ctx, auditlog.Event{Actor: actor.Name, Action: action, Target: robot, Outcome: auditlog.OutcomeAllowed})
	return s.reload(ctx)
}

// Bypasses lists the robots holding the grant.
func (s *Settings) Bypasses(ctx context.Context) ([]store.QuarantineBypass, error) {
	return s.st.ListQuarantineBypass(ctx)
}

func (s *Settings) record(ctx context.Context, e auditlog.Event) {
	if s.audit == nil {
		return
	}
	e.Time = s.now().UTC()
	_ = s.audit.Record(ctx, e)
}
