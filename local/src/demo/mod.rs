//! Demo data for `make run`: an admin, verified instructors around Cape Town, Stellenbosch and
//! Johannesburg, students, and bookings in every state with a few reviews. Written through the
//! same store code and transactions the functions use. Passwords are random on every run.

mod people;
mod seed;
mod seeder;

pub use seed::{seed, DemoLogin};
