package vulndb

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// SourceBuild is the source name Build files its records under.
const SourceBuild = "build"

// Build writes a new database at path holding exactly the given records
// (and the KEV ids and EPSS scores of WithKEV, WithEPSS, WithKEVFile,
// WithEPSSFile), replacing any file there. It is how tests and other
// packages make a real database from fixtures. A record that fails
// validation is an error naming it; nothing is written then.
func Build(ctx context.Context, path string, advisories []*Advisory, opts ...Option) (err error) {
	o, err := newOptions(opts)
	if err != nil {
		return err
	}
	for i, a := range advisories {
		if a == nil {
			return &InputError{Path: path, Entry: fmt.Sprintf("advisory %d", i), Err: malformed("nil record")}
		}
		if err := validate(a); err != nil {
			return &InputError{Path: path, Entry: fmt.Sprintf("advisory %d", i), Err: err}
		}
	}
	w, err := newWriter(ctx, path, o, true)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			w.abort()
		}
	}()
	for _, a := range advisories {
		if err := w.put(ctx, SourceBuild, a, nil); err != nil {
			return err
		}
	}
	if err := w.setSource(ctx, sourceMeta{source: SourceBuild, kind: KindOSV, location: "vulndb.Build"}); err != nil {
		return err
	}
	if _, err := enrich(ctx, w, o); err != nil {
		return err
	}
	return w.publish(ctx)
}

// validate checks the fields the database indexes records by. The
// modified time is not one of them: an unknown one is stored as unknown.
func validate(a *Advisory) error {
	var errs []error
	if strings.TrimSpace(a.ID) == "" {
		errs = append(errs, malformed("field id is missing"))
	}
	id := a.ID
	if id == "" {
		id = "record"
	}
	for i, af := range a.Affected {
		p := af.Package
		if (p.Ecosystem == "") != (p.Name == "") {
			errs = append(errs, malformed("%s: affected[%d].package: ecosystem %q and name %q must be given together", id, i, p.Ecosystem, p.Name))
		}
	}
	return errors.Join(errs...)
}
