//! SMS through Amazon SNS `Publish` to a phone number (no topic). Transactional, so SNS does
//! not drop it for a promotional-message quiet period.

use anyhow::Context;
use aws_sdk_sns::types::MessageAttributeValue;

use shared::notices::texts::Sms;

pub async fn publish(sns: &aws_sdk_sns::Client, sms: &Sms) -> anyhow::Result<()> {
    let kind = MessageAttributeValue::builder()
        .data_type("String")
        .string_value("Transactional")
        .build()?;
    sns.publish()
        .phone_number(&sms.to)
        .message(&sms.text)
        .message_attributes("AWS.SNS.SMS.SMSType", kind)
        .send()
        .await
        .context("SNS did not accept the SMS")?;
    Ok(())
}
