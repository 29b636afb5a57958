package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// kind names a tables.Kind constant. The generator cannot import package
// tables (it is generated into it), so kinds travel as the constant's name.
type kind string

const (
	kindString  kind = "KindString"
	kindInt     kind = "KindInt"
	kindFloat   kind = "KindFloat"
	kindDecimal kind = "KindDecimal"
	kindBool    kind = "KindBool"
	kindTime    kind = "KindTime"
	kindJSON    kind = "KindJSON"
	kindRef     kind = "KindRef"
)

// column mirrors tables.Column.
type column struct {
	Name     string
	Kind     kind
	Nullable bool
	Comment  string
	// Text is tables.Column.Text: free text's most characters, 0 for ids,
	// codes and enums.
	Text int
}

// objectColumns returns one column per top-level property of the named
// schema, in spec order with "id" moved first. "object" is left out: it is
// the same constant on every row.
func (o *openAPI) objectColumns(name string) ([]column, error) {
	s, err := o.schemaNamed(name)
	if err != nil {
		return nil, err
	}
	if s.ResourceID == "" || s.Type != "object" || len(s.Properties) == 0 {
		return nil, fmt.Errorf("schema %q is not an API resource (an object schema with x-resourceId)", name)
	}
	var cols []column
	for _, prop := range s.propertyOrder {
		if prop == "object" {
			continue
		}
		p := s.Properties[prop]
		k, err := o.propertyKind(p)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, prop, err)
		}
		desc, err := o.propertyDescription(p)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", name, prop, err)
		}
		if desc == "" {
			desc = "The " + prop + " of the " + name + " object (undescribed in the spec)."
		}
		c := column{
			Name:     prop,
			Kind:     k,
			Nullable: p.Nullable || !s.isRequired(prop),
			Comment:  cleanDescription(desc),
		}
		if k == kindString {
			target, err := o.deref(p)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", name, prop, err)
			}
			c.Text = freeText(prop, target)
		}
		cols = append(cols, c)
	}
	if i := slices.IndexFunc(cols, func(c column) bool { return c.Name == "id" }); i > 0 {
		id := cols[i]
		copy(cols[1:i+1], cols[:i])
		cols[0] = id
	}
	return cols, nil
}

// propertyKind decides the SQL shape of one property.
func (o *openAPI) propertyKind(p *schema) (kind, error) {
	p, err := o.deref(p)
	if err != nil {
		return "", err
	}
	if len(p.AnyOf) > 0 {
		if isExpandableRef(p) {
			return kindRef, nil
		}
		return kindJSON, nil
	}
	switch p.Type {
	case "integer":
		if p.Format == "unix-time" {
			return kindTime, nil
		}
		return kindInt, nil
	case "number":
		return kindFloat, nil
	case "string":
		if p.Format == "decimal" {
			return kindDecimal, nil
		}
		return kindString, nil
	case "boolean":
		return kindBool, nil
	case "object", "array":
		return kindJSON, nil
	case "":
		return "", fmt.Errorf("schema has no type, $ref or anyOf")
	default:
		return "", fmt.Errorf("unsupported schema type %q", p.Type)
	}
}

// isExpandableRef reports whether p is Stripe's expandable reference: an id
// string that `expand` can replace with the object(s) it names.
func isExpandableRef(p *schema) bool {
	if len(p.ExpansionResources) == 0 || len(p.AnyOf) < 2 {
		return false
	}
	var ids, refs int
	for _, alt := range p.AnyOf {
		switch {
		case alt.Type == "string" && alt.Ref == "":
			ids++
		case alt.Ref != "":
			refs++
		}
	}
	return ids == 1 && refs == len(p.AnyOf)-1
}

// propertyDescription is the property's own description or, for a bare
// reference to a sub-object (which may not carry one), the description of
// the schema it points to.
func (o *openAPI) propertyDescription(p *schema) (string, error) {
	if p.Description != "" {
		return p.Description, nil
	}
	ref := p.Ref
	if ref == "" && len(p.AnyOf) == 1 {
		ref = p.AnyOf[0].Ref
	}
	if ref == "" {
		return "", nil
	}
	target, err := o.deref(&schema{Ref: ref})
	if err != nil {
		return "", err
	}
	if target.Description == "" {
		// Many sub-objects (a payment method's card, an invoice's
		// automatic_tax) are described nowhere in the spec: name the
		// schema, which Stripe's API reference documents.
		return "JSON object of Stripe's " + strings.TrimPrefix(ref, schemaRefPrefix) + " schema.", nil
	}
	return target.Description, nil
}

// Strings are either short (an id, a code, an enum: VARCHAR(255), which a
// key may use) or free text (TEXT, holding whatever Stripe allows). The
// spec does not say which: it gives nearly every string a maxLength of
// 5000, ids included. So a string is short when the spec restricts it (an
// enum, or no maxLength: ISO currency codes), when its name or description
// says it is an id, or when its name is one of Stripe's codes; everything
// else is free text, the safe side (TEXT holds a code too).

// idDescription matches the descriptions of id properties ("ID of the
// payment method used…", "The ID of the original…", "Unique identifier
// for the object.").
var idDescription = regexp.MustCompile(`^(?:The )?ID of |^Unique identifier`)

// shortNames are string properties that hold an id or a code although the
// spec neither says so nor lists their values: ids of other objects
// (discount.invoice, event.account), ISO codes (country, currency), and
// codes Stripe documents in prose (status, type, brand, last4).
var shortNames = map[string]bool{
	// ids
	"id": true, "account": true, "checkout_session": true, "invoice": true, "invoice_item": true,
	"payment_method": true, "recovered_from": true, "subscription": true, "subscription_item": true,
	// ISO codes
	"country": true, "account_country": true, "currency": true, "default_currency": true,
	// codes
	"account_holder_type": true, "account_type": true, "address_line1_check": true, "address_zip_check": true,
	"api_version": true, "brand": true, "cvc_check": true, "dynamic_last4": true, "failure_code": true,
	"failure_reason": true, "fingerprint": true, "funding": true, "last4": true, "method": true,
	"reason": true, "reporting_category": true, "routing_number": true, "source_type": true,
	"status": true, "tokenization_method": true, "type": true,
}

// freeText is a string property's column.Text: 0 when it is short, else
// the most characters the spec allows in it.
func freeText(name string, p *schema) int {
	if len(p.Enum) > 0 || p.MaxLength == 0 || shortNames[name] || idDescription.MatchString(p.Description) {
		return 0
	}
	return p.MaxLength
}
