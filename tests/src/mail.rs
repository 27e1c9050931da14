//! Reading what the system sent: the SMTP server keeps each message as a file.

use std::path::Path;
use std::time::{Duration, Instant};

/// The newest message to `to`, waiting up to 10 s for it to arrive.
pub async fn wait_for_mail(dir: &Path, to: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(message) = find_mail(dir, to).into_iter().last() {
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no mail to {to} arrived in {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The first message to `to` whose decoded text contains `needle`, waiting up to 10 s.
pub async fn wait_for_mail_containing(dir: &Path, to: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(message) = find_mail(dir, to)
            .into_iter()
            .find(|m| decode_quoted_printable(m).contains(needle))
        {
            return message;
        }
        assert!(
            Instant::now() < deadline,
            "no mail to {to} containing {needle:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every message to `to`, oldest first (file names start with the arrival time).
pub fn find_mail(dir: &Path, to: &str) -> Vec<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    files
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("X-Envelope-To: "))
                .is_some_and(|rcpt| rcpt.split(", ").any(|r| r.eq_ignore_ascii_case(to)))
        })
        .collect()
}

/// Decodes a quoted-printable body (soft line breaks and `=XX` escapes), as mail clients do.
pub fn decode_quoted_printable(text: &str) -> String {
    let unfolded = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = unfolded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The token in a link `<base><marker><token>` inside a message.
pub fn token_after(message: &str, marker: &str) -> String {
    let unfolded = decode_quoted_printable(message);
    let start = unfolded
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in the message:\n{message}"))
        + marker.len();
    unfolded[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
