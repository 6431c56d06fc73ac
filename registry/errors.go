package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
)

// ErrorCode is one row of the registry's wire-error table: the code the
// distribution spec names, its fixed message and the HTTP status it goes
// out with.
type ErrorCode struct {
	Code    string
	Message string
	Status  int
}

// The one table of wire errors. Every error a client sees is one of these,
// serialised by writeError; handlers never write error bodies themselves.
var (
	CodeBlobUnknown         = ErrorCode{"BLOB_UNKNOWN", "blob unknown to registry", http.StatusNotFound}
	CodeBlobUploadInvalid   = ErrorCode{"BLOB_UPLOAD_INVALID", "blob upload invalid", http.StatusBadRequest}
	CodeBlobUploadUnknown   = ErrorCode{"BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry", http.StatusNotFound}
	CodeRangeInvalid        = ErrorCode{"BLOB_UPLOAD_INVALID", "chunk does not continue the upload", http.StatusRequestedRangeNotSatisfiable}
	CodeRangeUnsatisfiable  = ErrorCode{"RANGE_INVALID", "requested range not satisfiable", http.StatusRequestedRangeNotSatisfiable}
	CodeDigestInvalid       = ErrorCode{"DIGEST_INVALID", "provided digest did not match uploaded content", http.StatusBadRequest}
	CodeManifestBlobUnknown = ErrorCode{"MANIFEST_BLOB_UNKNOWN", "manifest references a manifest or blob unknown to registry", http.StatusBadRequest}
	CodeManifestInvalid     = ErrorCode{"MANIFEST_INVALID", "manifest invalid", http.StatusBadRequest}
	CodeManifestTooBig      = ErrorCode{"MANIFEST_INVALID", "manifest too big", http.StatusRequestEntityTooLarge}
	CodeManifestUnknown     = ErrorCode{"MANIFEST_UNKNOWN", "manifest unknown to registry", http.StatusNotFound}
	CodeNameInvalid         = ErrorCode{"NAME_INVALID", "invalid repository name", http.StatusBadRequest}
	CodeNameUnknown         = ErrorCode{"NAME_UNKNOWN", "repository name not known to registry", http.StatusNotFound}
	CodeTagInvalid          = ErrorCode{"TAG_INVALID", "invalid tag", http.StatusBadRequest}
	CodeSizeInvalid         = ErrorCode{"SIZE_INVALID", "provided length did not match content length", http.StatusBadRequest}
	CodePaginationInvalid   = ErrorCode{"PAGINATION_NUMBER_INVALID", "invalid number of results requested", http.StatusBadRequest}
	CodeUnauthorized        = ErrorCode{"UNAUTHORIZED", "authentication required", http.StatusUnauthorized}
	CodeDenied              = ErrorCode{"DENIED", "requested access to the resource is denied", http.StatusForbidden}
	CodeUnsupported         = ErrorCode{"UNSUPPORTED", "the operation is unsupported", http.StatusMethodNotAllowed}
	CodeReadOnly            = ErrorCode{"UNSUPPORTED", "the registry is read-only", http.StatusMethodNotAllowed}
	CodeNotFound            = ErrorCode{"NOT_FOUND", "no such endpoint", http.StatusNotFound}
	CodeUnknown             = ErrorCode{"UNKNOWN", "unknown error", http.StatusInternalServerError}
	CodeUnavailable         = ErrorCode{"UNAVAILABLE", "service unavailable", http.StatusServiceUnavailable}
)

// Error is a wire error with the detail of this occurrence. It wraps the
// cause, so errors.Is and errors.As see through it.
type Error struct {
	Code ErrorCode
	// Message replaces the code's fixed message when set: a Gate's refusal
	// or a tag rule, which the client should show as it is.
	Message string
	Detail  string
	cause   error
}

func (e *Error) Error() string {
	msg := e.message()
	if e.Detail == "" || e.Detail == msg {
		return e.Code.Code + ": " + msg
	}
	return e.Code.Code + ": " + msg + ": " + e.Detail
}

func (e *Error) message() string {
	if e.Message != "" {
		return e.Message
	}
	return e.Code.Message
}

func (e *Error) Unwrap() error { return e.cause }

// newError builds a wire error; a %w verb in format keeps the cause.
func newError(code ErrorCode, format string, args ...any) *Error {
	if format == "" {
		return &Error{Code: code}
	}
	wrapped := fmt.Errorf(format, args...)
	return &Error{Code: code, Detail: wrapped.Error(), cause: errors.Unwrap(wrapped)}
}

type wireError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"detail,omitempty"`
}

// writeError is the one place wire errors are serialised, as the OCI error
// body {"errors":[{code, message, detail}]}. Errors that are not *Error are
// internal: the client sees UNKNOWN and the log gets the cause.
func (rg *Registry) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		rg.log.ErrorContext(r.Context(), "registry: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = &Error{Code: CodeUnknown}
	}
	body, _ := json.Marshal(struct {
		Errors []wireError `json:"errors"`
	}{[]wireError{{Code: e.Code.Code, Message: e.message(), Detail: e.Detail}}})
	h := w.Header()
	var ref *Refusal
	if errors.As(err, &ref) && ref.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(ref.RetryAfter.Seconds()))))
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(e.Code.Status)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
