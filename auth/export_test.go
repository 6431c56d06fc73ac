package auth

// SetLoginHooks lets tests hold login attempts at two points: admitted
// runs once an attempt has passed the limiter, comparing inside the
// bound on concurrent bcrypt work.
func SetLoginHooks(s *Service, admitted, comparing func()) {
	s.admitted, s.beforeCompare = admitted, comparing
}

// CompareBound is how many bcrypt compares may run at once.
func CompareBound(s *Service) int { return cap(s.cpu) }

// DummyHash is the hash compared against for unknown users.
func DummyHash(s *Service) []byte { return s.dummyHash() }
