package auth

import "context"

// RequireNamespaceAdmin lets system admins and users holding the admin
// role in ns through, and audits and refuses (ErrForbidden) everyone
// else; ns must exist. The registry's namespace settings (tag rules,
// retention, webhooks) are guarded by it in the REST API.
func (s *Service) RequireNamespaceAdmin(ctx context.Context, actor Principal, ns, action, target string) error {
	return s.requireNamespaceAdmin(ctx, actor, ns, action, target)
}
