package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/drydock/drydock/auditlog"
	"github.com/drydock/drydock/auth"
)

// JSON shapes of the API.
type (
	apiUser struct {
		Name     string    `json:"name"`
		Admin    bool      `json:"admin"`
		Disabled bool      `json:"disabled"`
		Created  time.Time `json:"created"`
	}
	apiNamespace struct {
		Name    string    `json:"name"`
		Public  bool      `json:"public"`
		Created time.Time `json:"created"`
	}
	apiMember struct {
		User string `json:"user"`
		Role string `json:"role"`
	}
	apiRobot struct {
		Name      string     `json:"name"`
		Namespace string     `json:"namespace"`
		Role      string     `json:"role"`
		ExpiresAt *time.Time `json:"expires_at,omitempty"`
		Disabled  bool       `json:"disabled"`
		CreatedBy string     `json:"created_by"`
		Created   time.Time  `json:"created"`
		// Secret is set only in the answer to a creation.
		Secret string `json:"secret,omitempty"`
	}
)

func toAPIRobot(r auth.Robot) apiRobot {
	out := apiRobot{Name: r.Name, Namespace: r.Namespace, Role: r.Role.String(), Disabled: r.Disabled, CreatedBy: r.CreatedBy, Created: r.Created}
	if !r.Expires.IsZero() {
		e := r.Expires
		out.ExpiresAt = &e
	}
	return out
}

var routes = []route{
	{"GET", "/api/v1/users", listUsersAPI},
	{"POST", "/api/v1/users", createUserAPI},
	{"PUT", "/api/v1/users/{user}/password", setPasswordAPI},
	{"DELETE", "/api/v1/users/{user}", func(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		return noContent(w, a.auth.DeleteUser(r.Context(), p, r.PathValue("user")))
	}},
	{"GET", "/api/v1/namespaces", listNamespacesAPI},
	{"POST", "/api/v1/namespaces", createNamespaceAPI},
	{"PATCH", "/api/v1/namespaces/{ns}", patchNamespaceAPI},
	{"DELETE", "/api/v1/namespaces/{ns}", func(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		return noContent(w, a.auth.DeleteNamespace(r.Context(), p, r.PathValue("ns")))
	}},
	{"GET", "/api/v1/namespaces/{ns}/members", listMembersAPI},
	{"PUT", "/api/v1/namespaces/{ns}/members/{user}", putMemberAPI},
	{"DELETE", "/api/v1/namespaces/{ns}/members/{user}", func(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		return noContent(w, a.auth.RemoveMember(r.Context(), p, r.PathValue("ns"), r.PathValue("user")))
	}},
	{"GET", "/api/v1/namespaces/{ns}/robots", listRobotsAPI},
	{"POST", "/api/v1/namespaces/{ns}/robots", createRobotAPI},
	{"DELETE", "/api/v1/namespaces/{ns}/robots/{robot}", func(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
		return noContent(w, a.auth.DeleteRobot(r.Context(), p, auth.RobotName(r.PathValue("ns"), r.PathValue("robot"))))
	}},
	{"GET", "/api/v1/audit-log", auditLogAPI},
}

func noContent(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func listUsersAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	us, err := a.auth.ListUsers(r.Context(), p)
	if err != nil {
		return err
	}
	writeList(w, "users", us, func(u auth.User) apiUser { return apiUser{u.Name, u.Admin, u.Disabled, u.Created} })
	return nil
}

func createUserAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
		Admin    bool   `json:"admin"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := a.auth.AddUser(r.Context(), p, in.Name, in.Password, in.Admin); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiUser{Name: in.Name, Admin: in.Admin, Created: a.auth.Now().UTC()})
	return nil
}

// setPasswordAPI lets users change their own password, giving the
// current one, and admins set anyone else's; every token the user holds
// stops working.
func setPasswordAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Password        string  `json:"password"`
		CurrentPassword *string `json:"current_password"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	user := r.PathValue("user")
	if p.Kind == "user" && p.Name == user {
		if in.CurrentPassword == nil {
			return inputErrorf("request body: changing your own password needs current_password")
		}
		return noContent(w, a.auth.ChangePassword(r.Context(), p, auth.ClientAddr(r), *in.CurrentPassword, in.Password))
	}
	return noContent(w, a.auth.SetPassword(r.Context(), p, user, in.Password))
}

func listNamespacesAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ns, err := a.auth.ListNamespaces(r.Context(), p)
	if err != nil {
		return err
	}
	writeList(w, "namespaces", ns, func(n auth.Namespace) apiNamespace { return apiNamespace(n) })
	return nil
}

func createNamespaceAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Name   string `json:"name"`
		Public bool   `json:"public"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := a.auth.CreateNamespace(r.Context(), p, in.Name, in.Public); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, apiNamespace{Name: in.Name, Public: in.Public, Created: a.auth.Now().UTC()})
	return nil
}

func patchNamespaceAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Public *bool `json:"public"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if in.Public == nil {
		return inputErrorf("request body: nothing to change (want {\"public\": true|false})")
	}
	ns := r.PathValue("ns")
	if err := a.auth.SetNamespacePublic(r.Context(), p, ns, *in.Public); err != nil {
		return err
	}
	n, err := a.auth.Namespace(r.Context(), ns)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiNamespace(n))
	return nil
}

func listMembersAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	ms, err := a.auth.ListMembers(r.Context(), p, r.PathValue("ns"))
	if err != nil {
		return err
	}
	writeList(w, "members", ms, func(m auth.Member) apiMember { return apiMember{m.User, m.Role.String()} })
	return nil
}

func putMemberAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Role string `json:"role"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		return err
	}
	user := r.PathValue("user")
	if err := a.auth.PutMember(r.Context(), p, r.PathValue("ns"), user, role); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, apiMember{user, role.String()})
	return nil
}

func listRobotsAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	rs, err := a.auth.ListRobots(r.Context(), p, r.PathValue("ns"))
	if err != nil {
		return err
	}
	writeList(w, "robots", rs, func(rb auth.Robot) apiRobot { return toAPIRobot(rb) })
	return nil
}

func createRobotAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var in struct {
		Name      string     `json:"name"`
		Role      string     `json:"role"`
		Expires   *string    `json:"expires"`
		ExpiresAt *time.Time `json:"expires_at"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	role, err := auth.ParseRole(in.Role)
	if err != nil {
		return err
	}
	// As the CLI: a lifetime ("30d", "12h", "never"), or a time; neither
	// means the default lifetime.
	var exp time.Time
	switch {
	case in.Expires != nil && in.ExpiresAt != nil:
		return inputErrorf("request body: give expires or expires_at, not both")
	case in.ExpiresAt != nil:
		exp = *in.ExpiresAt
	default:
		life := ""
		if in.Expires != nil {
			life = *in.Expires
		}
		d, err := auth.ParseRobotLifetime(life)
		if err != nil {
			return err
		}
		if d > 0 {
			exp = a.auth.Now().Add(d)
		}
	}
	rb, secret, err := a.auth.CreateRobot(r.Context(), p, r.PathValue("ns"), in.Name, role, exp)
	if err != nil {
		return err
	}
	out := toAPIRobot(rb)
	out.Secret = secret
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// auditLogAPI answers audit queries; only system administrators may read
// the whole trail.
func auditLogAPI(a *api, w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if a.audit == nil {
		return errNotFoundf("this server keeps no queryable audit log")
	}
	if err := a.auth.RequireAdmin(r.Context(), p, "audit.query", ""); err != nil {
		return err
	}
	q := r.URL.Query()
	f := auditlog.Filter{Actor: q.Get("actor"), Repo: q.Get("repo"), Action: q.Get("action"), Outcome: q.Get("outcome")}
	for _, t := range []struct {
		key string
		dst *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := q.Get(t.key); v != "" {
			tm, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return inputErrorf("%s=%q is not an RFC 3339 time", t.key, v)
			}
			*t.dst = tm
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return inputErrorf("limit=%q is not a number", v)
		}
		f.Limit = n
	}
	es, err := a.audit.Query(r.Context(), f)
	if err != nil {
		return err
	}
	if es == nil {
		es = []auditlog.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": es})
	return nil
}
