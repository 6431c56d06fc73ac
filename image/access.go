package image

// AccessOf is the registry access that opts describe (credentials, plain
// HTTP, transport), for callers that talk to a registry themselves with
// the same flags, such as resolving a tag to its digest.
func AccessOf(opts ...Option) (RegistryAccess, error) {
	o, err := makeOptions(opts)
	if err != nil {
		return RegistryAccess{}, err
	}
	return o.access, nil
}
