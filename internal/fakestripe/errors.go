package fakestripe

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is Stripe's error object, served as {"error": {...}}.
type apiError struct {
	status  int
	Type    string `json:"type"`
	Code    string `json:"code,omitempty"`
	DocURL  string `json:"doc_url,omitempty"`
	Param   string `json:"param,omitempty"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func (e *apiError) body() []byte {
	b, err := json.Marshal(struct {
		Error *apiError `json:"error"`
	}{e})
	if err != nil { // cannot happen: only strings
		panic(err)
	}
	return b
}

func invalidRequest(status int, param, format string, args ...any) *apiError {
	return &apiError{status: status, Type: "invalid_request_error", Param: param, Message: fmt.Sprintf(format, args...)}
}

// badParam is the 400 Stripe answers for a malformed parameter.
func badParam(param, format string, args ...any) *apiError {
	return invalidRequest(http.StatusBadRequest, param, format, args...)
}

// noSuchObject is Stripe's resource_missing error: 404 for the object the
// URL names, 400 for an id given in a parameter (a cursor).
func noSuchObject(status int, object, id, param string) *apiError {
	return &apiError{
		status:  status,
		Type:    "invalid_request_error",
		Code:    "resource_missing",
		DocURL:  "https://stripe.com/docs/error-codes/resource-missing",
		Param:   param,
		Message: fmt.Sprintf("No such %s: '%s'", object, id),
	}
}

func unrecognizedURL(r *http.Request) *apiError {
	return invalidRequest(http.StatusNotFound, "",
		"Unrecognized request URL (%s: %s). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.",
		r.Method, r.URL.Path)
}

// notFoundInURL is the 404 for an object the URL names.
func notFoundInURL(t *table, id, param string) *apiError {
	return noSuchObject(http.StatusNotFound, t.def.object, id, param)
}
