//! Changes a user makes to their own profile (`PATCH /users/me`, `PATCH /instructors/me`): one
//! `SET` over the fields sent. A verified instructor's listing keys move in the same write as
//! the city or location they are made from; a new phone number moves its uniqueness claim in
//! one transaction with the profile.

use std::collections::HashMap;

use anyhow::Context;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, Update};

use super::keys::{phone_pk, profile_key, unique_key};
use super::reads;
use super::record::UserRecord;
use crate::domain::{
    Coordinates, PersonName, PhoneNumber, Place, Province, Rands, StreetAddress, TimeOff,
    VehicleDescription, WorkingHours,
};
use crate::store::attr::{n, s};
use crate::store::listing::listing_keys;
use crate::store::transact::{transact, TransactError, Write};

/// What an instructor may change about their teaching profile.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InstructorChanges {
    pub bio: Option<String>,
    pub vehicle: Option<VehicleDescription>,
    pub hourly_rate: Option<Rands>,
    pub working_hours: Option<WorkingHours>,
    pub location: Option<Coordinates>,
    /// Replaces the whole list (`PUT /instructors/me/time-off`).
    pub time_off: Option<TimeOff>,
}

/// The parsed fields of a profile patch; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    pub first_name: Option<PersonName>,
    pub last_name: Option<PersonName>,
    pub phone: Option<PhoneNumber>,
    pub city: Option<Place>,
    pub suburb: Option<Place>,
    pub province: Option<Province>,
    pub pickup_address: Option<StreetAddress>,
    pub pickup_location: Option<Coordinates>,
    pub instructor: InstructorChanges,
    /// Booking news by SMS (`UserRecord::sms_notifications`).
    pub sms_notifications: Option<bool>,
}

impl ProfileChanges {
    /// The new phone number, when it differs from the current one.
    fn phone_move<'a>(&'a self, user: &UserRecord) -> Option<&'a PhoneNumber> {
        self.phone.as_ref().filter(|p| **p != user.phone)
    }

    /// The attributes to set, in the order the patch names them; empty when nothing changes.
    fn sets(&self, user: &UserRecord) -> anyhow::Result<Vec<(&'static str, AttributeValue)>> {
        let mut sets = Vec::new();
        let mut text = |name: &'static str, value: Option<&str>| {
            if let Some(value) = value {
                sets.push((name, s(value)));
            }
        };
        text(
            "first_name",
            self.first_name.as_ref().map(PersonName::as_str),
        );
        text("last_name", self.last_name.as_ref().map(PersonName::as_str));
        text("city", self.city.as_ref().map(Place::as_str));
        text("suburb", self.suburb.as_ref().map(Place::as_str));
        text("province", self.province.map(Province::as_str));
        text(
            "pickup_address",
            self.pickup_address.as_ref().map(StreetAddress::as_str),
        );
        if let Some(pickup) = &self.pickup_location {
            sets.push(("pickup_latitude", n(pickup.lat())));
            sets.push(("pickup_longitude", n(pickup.lng())));
        }
        let teaching = &self.instructor;
        if let Some(bio) = &teaching.bio {
            sets.push(("bio", s(bio)));
        }
        if let Some(vehicle) = &teaching.vehicle {
            sets.push(("vehicle", s(vehicle.as_str())));
        }
        if let Some(rate) = &teaching.hourly_rate {
            sets.push(("hourly_rate_cents", n(rate.cents())));
        }
        if let Some(hours) = &teaching.working_hours {
            let json = serde_json::to_string(hours).context("Failed to store working hours")?;
            sets.push(("working_hours", s(json)));
        }
        if let Some(time_off) = &teaching.time_off {
            let json = serde_json::to_string(time_off).context("Failed to store time off")?;
            sets.push(("time_off", s(json)));
        }
        if let Some(location) = &teaching.location {
            sets.push(("latitude", n(location.lat())));
            sets.push(("longitude", n(location.lng())));
        }
        if let Some(wanted) = self.sms_notifications {
            sets.push(("sms_notifications", AttributeValue::Bool(wanted)));
        }
        sets.extend(self.listing_moves(user));
        if let Some(phone) = self.phone_move(user) {
            sets.push(("phone", s(phone.as_str())));
        }
        Ok(sets)
    }

    /// A verified instructor's listing keys, when the city or location they are made from moves.
    fn listing_moves(&self, user: &UserRecord) -> Vec<(&'static str, AttributeValue)> {
        let Some(details) = user.instructor.as_ref().filter(|d| d.is_verified()) else {
            return Vec::new();
        };
        let location = self.instructor.location;
        if self.city.is_none() && location.is_none() {
            return Vec::new();
        }
        let (lat, lng) = location
            .map(|l| (l.lat(), l.lng()))
            .unwrap_or((details.latitude, details.longitude));
        let city = self.city.as_ref().map_or(user.city.as_str(), Place::as_str);
        listing_keys(&user.user_id, city, &user.last_name, lat, lng)
    }

    /// True when applying would change nothing.
    pub fn is_empty(&self, user: &UserRecord) -> bool {
        self.sets(user).map(|sets| sets.is_empty()).unwrap_or(false)
    }
}

/// `SET #f0 = :v0, ...` over `sets`: attribute names are placeholders, so any field name is safe.
struct SetClauses {
    expression: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl SetClauses {
    fn of(sets: Vec<(&'static str, AttributeValue)>) -> Self {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut clauses = Vec::new();
        for (i, (name, value)) in sets.into_iter().enumerate() {
            names.insert(format!("#f{i}"), name.to_owned());
            values.insert(format!(":v{i}"), value);
            clauses.push(format!("#f{i} = :v{i}"));
        }
        Self {
            expression: format!("SET {}", clauses.join(", ")),
            names,
            values,
        }
    }
}

/// The condition on every profile update: the profile still exists.
const PROFILE_EXISTS: &str = "attribute_exists(PK)";

/// Applies `changes` to `user`'s profile and returns the profile as it now is. Without a new
/// phone number this is one `UpdateItem` (returning the new item); with one, the profile update
/// and the claim move (put the new claim, delete the old one) are one transaction, followed by
/// a read: a number another account holds fails the transaction's condition.
pub async fn apply(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user: &UserRecord,
    changes: &ProfileChanges,
    now: &str,
) -> Result<UserRecord, TransactError> {
    let mut sets = changes.sets(user)?;
    if sets.is_empty() {
        return Ok(user.clone());
    }
    sets.push(("updated_at", s(now)));
    let clauses = SetClauses::of(sets);
    match changes.phone_move(user) {
        None => Ok(update_returning(dynamodb, table, user, clauses).await?),
        Some(phone) => move_phone(dynamodb, table, user, clauses, phone).await,
    }
}

async fn update_returning(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user: &UserRecord,
    clauses: SetClauses,
) -> anyhow::Result<UserRecord> {
    let output = dynamodb
        .update_item()
        .table_name(table)
        .set_key(Some(profile_key(&user.user_id)))
        .update_expression(clauses.expression)
        .condition_expression(PROFILE_EXISTS)
        .set_expression_attribute_names(Some(clauses.names))
        .set_expression_attribute_values(Some(clauses.values))
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .context("Failed to update the profile")?;
    match output.attributes() {
        Some(item) if !item.is_empty() => UserRecord::try_from(item),
        // The emulator's ReturnValues shape can differ; read the profile back instead.
        _ => reads::get(dynamodb, table, &user.user_id)
            .await?
            .context("the profile vanished during its update"),
    }
}

async fn move_phone(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
    user: &UserRecord,
    clauses: SetClauses,
    phone: &PhoneNumber,
) -> Result<UserRecord, TransactError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(profile_key(&user.user_id)))
        .update_expression(clauses.expression)
        .condition_expression(PROFILE_EXISTS)
        .set_expression_attribute_names(Some(clauses.names))
        .set_expression_attribute_values(Some(clauses.values))
        .build()
        .context("Failed to build the profile update")?;
    let mut claim = unique_key(phone_pk(phone.as_str()));
    claim.insert("user_id".into(), s(&user.user_id));
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(claim))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .context("Failed to build the phone claim")?;
    let release = Delete::builder()
        .table_name(table)
        .set_key(Some(unique_key(phone_pk(user.phone.as_str()))))
        .condition_expression("user_id = :me")
        .expression_attribute_values(":me", s(&user.user_id))
        .build()
        .context("Failed to build the phone release")?;
    transact(
        dynamodb,
        vec![Write::from(update), Write::from(put), Write::from(release)],
    )
    .await?;
    Ok(reads::get(dynamodb, table, &user.user_id)
        .await?
        .context("the profile vanished during its update")?)
}
