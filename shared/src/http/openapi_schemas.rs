//! The OpenAPI schemas of types the shared layers define by hand (problem documents, field
//! errors, working hours): their JSON shapes are written by hand too, so `utoipa` is told here.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::problem::{FieldError, Problem};
use crate::domain::WEEKDAYS;

fn text(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

impl PartialSchema for FieldError {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some("One field that did not parse, in a 422 problem."))
            .property(
                "field",
                text("The request field, as named in the body or query (`lesson_time`)."),
            )
            .required("field")
            .property("message", text("What is wrong with it, for people."))
            .required("message")
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for FieldError {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldError")
    }
}

impl PartialSchema for Problem {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "An RFC 9457 problem document: every error answer has this body. Some problems \
                 add extension members (`checks` on readiness, `smtp_outcome` on the SMTP test).",
            ))
            .property(
                "type",
                text("Identifies the kind of problem.")
                    .format(Some(SchemaFormat::Custom("uri".into()))),
            )
            .required("type")
            .property("title", text("A short summary of the kind of problem."))
            .required("title")
            .property(
                "status",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                    .minimum(Some(400))
                    .maximum(Some(599))
                    .description(Some("The HTTP status code.")),
            )
            .required("status")
            .property("detail", text("What happened in this case, for people."))
            .required("detail")
            .property(
                "request_id",
                text("The request's id, also in `X-Request-Id`; quote it to support."),
            )
            .required("request_id")
            .property(
                "errors",
                ArrayBuilder::new()
                    .items(Ref::from_schema_name(FieldError::name()))
                    .description(Some("On 422: every field that did not parse.")),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(true)))
            .into()
    }
}

impl ToSchema for Problem {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Problem")
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldError::name().into(), FieldError::schema()));
    }
}

/// A weekday's working windows: `[start, end)` pairs of local `HH:MM` on quarter hours.
fn windows_schema() -> ArrayBuilder {
    let time = || {
        Schema::from(
            text("Local time, `HH:MM`, on a quarter hour (`24:00` ends a day).")
                .pattern(Some("^([01][0-9]|2[0-4]):(00|15|30|45)$")),
        )
    };
    ArrayBuilder::new().items(
        ArrayBuilder::new()
            .prefix_items([time(), time()])
            .items(utoipa::openapi::schema::ArrayItems::False)
            .min_items(Some(2))
            .max_items(Some(2)),
    )
}

impl PartialSchema for crate::domain::WorkingHours {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new().description(Some(
            "Weekly working hours in Africa/Johannesburg local time: per weekday, \
             non-overlapping `[start, end]` windows. A weekday left out has no hours.",
        ));
        for (day, _) in WEEKDAYS {
            object = object.property(day, windows_schema());
        }
        object
            .additional_properties(Some(AdditionalProperties::FreeForm(false)))
            .into()
    }
}

impl ToSchema for crate::domain::WorkingHours {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WorkingHours")
    }
}
