//! Script table (9), Special days table (11), Activity calendar (20), Single action schedule (22).

use alloc::vec::Vec;

use obis::ObisCode;

use super::macros::interface_class;
use super::value::{enum_newtype, structure_value};
use crate::{Data, Date, DateTime, Time};

enum_newtype! {
    /// The service of a script action.
    ServiceId {
        WRITE_ATTRIBUTE = 1, "write attribute";
        EXECUTE_METHOD = 2, "execute specific method";
    }
}

/// `action_specification`: one step of a script.
#[derive(Clone, PartialEq, Debug)]
pub struct ScriptAction {
    /// Write an attribute or execute a method.
    pub service_id: ServiceId,
    /// Class of the target object.
    pub class_id: u16,
    /// Logical name of the target object.
    pub logical_name: ObisCode,
    /// Attribute or method index.
    pub index: i8,
    /// The value written or the method parameter.
    pub parameter: Data,
}
structure_value!(
    ScriptAction,
    "structure of 5 {service_id, class_id, logical_name, index, parameter}",
    [service_id, class_id, logical_name, index, parameter]
);

/// `script`: an identifier and its actions.
#[derive(Clone, PartialEq, Debug)]
pub struct Script {
    /// The script selector.
    pub script_identifier: u16,
    /// The actions, executed in order.
    pub actions: Vec<ScriptAction>,
}
structure_value!(
    Script,
    "structure of 2 {script_identifier, actions}",
    [script_identifier, actions]
);

interface_class! {
    /// Script table (class 9, version 0).
    ScriptTable: SCRIPT_TABLE, version 0;
    attributes {
        2 scripts: Vec<Script>;
    }
    methods {
        /// The parameter is the script identifier (long-unsigned).
        EXECUTE = 1;
    }
}

/// `spec_day_entry`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SpecialDay {
    /// Entry index.
    pub index: u16,
    /// The date (may contain wildcards, e.g. every 25 December).
    pub specialday_date: Date,
    /// The day profile used on that date.
    pub day_id: u8,
}
structure_value!(
    SpecialDay,
    "structure of 3 {index, specialday_date, day_id}",
    [index, specialday_date, day_id]
);

interface_class! {
    /// Special days table (class 11, version 0).
    SpecialDaysTable: SPECIAL_DAYS_TABLE, version 0;
    attributes {
        2 entries: Vec<SpecialDay>;
    }
    methods {
        INSERT = 1;
        DELETE = 2;
    }
}

/// `season_profile` entry of an activity calendar.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SeasonProfile {
    /// Season name.
    pub season_profile_name: Vec<u8>,
    /// Start of the season (may contain wildcards).
    pub season_start: DateTime,
    /// The week profile of the season.
    pub week_name: Vec<u8>,
}
structure_value!(
    SeasonProfile,
    "structure of 3 {season_profile_name, season_start, week_name}",
    [season_profile_name, season_start, week_name]
);

/// `week_profile` entry: a day profile id per day of the week.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WeekProfile {
    /// Week name.
    pub week_profile_name: Vec<u8>,
    /// Day id for Monday.
    pub monday: u8,
    /// Day id for Tuesday.
    pub tuesday: u8,
    /// Day id for Wednesday.
    pub wednesday: u8,
    /// Day id for Thursday.
    pub thursday: u8,
    /// Day id for Friday.
    pub friday: u8,
    /// Day id for Saturday.
    pub saturday: u8,
    /// Day id for Sunday.
    pub sunday: u8,
}
structure_value!(
    WeekProfile,
    "structure of 8 {week_profile_name, monday..sunday}",
    [
        week_profile_name,
        monday,
        tuesday,
        wednesday,
        thursday,
        friday,
        saturday,
        sunday
    ]
);

/// `day_profile_action`: at `start_time`, run a script.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DayProfileAction {
    /// Time of day (may contain wildcards).
    pub start_time: Time,
    /// Logical name of the script table.
    pub script_logical_name: ObisCode,
    /// Script identifier in that table.
    pub script_selector: u16,
}
structure_value!(
    DayProfileAction,
    "structure of 3 {start_time, script_logical_name, script_selector}",
    [start_time, script_logical_name, script_selector]
);

/// `day_profile` entry.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DayProfile {
    /// Day id.
    pub day_id: u8,
    /// Actions of the day.
    pub day_schedule: Vec<DayProfileAction>,
}
structure_value!(
    DayProfile,
    "structure of 2 {day_id, day_schedule}",
    [day_id, day_schedule]
);

interface_class! {
    /// Activity calendar (class 20, version 0): the tariff calendar, active and passive.
    ActivityCalendar: ACTIVITY_CALENDAR, version 0;
    attributes {
        2 calendar_name_active: Vec<u8>;
        3 season_profile_active: Vec<SeasonProfile>;
        4 week_profile_table_active: Vec<WeekProfile>;
        5 day_profile_table_active: Vec<DayProfile>;
        6 calendar_name_passive: Vec<u8>;
        7 season_profile_passive: Vec<SeasonProfile>;
        8 week_profile_table_passive: Vec<WeekProfile>;
        9 day_profile_table_passive: Vec<DayProfile>;
        10 activate_passive_calendar_time: DateTime;
    }
    methods {
        ACTIVATE_PASSIVE_CALENDAR = 1;
    }
}

/// A script reference: a script table and a script identifier in it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ScriptRef {
    /// Logical name of the script table.
    pub script_logical_name: ObisCode,
    /// Script identifier.
    pub script_selector: u16,
}
structure_value!(
    ScriptRef,
    "structure of 2 {script_logical_name, script_selector}",
    [script_logical_name, script_selector]
);

enum_newtype! {
    /// `type` of a single action schedule: how `execution_time` is read.
    ScheduleType {
        SINGLE_TIME_SPECIFIED = 1, "size of execution_time = 1, wildcards in date allowed";
        MULTIPLE_SAME_TIME = 2, "size of execution_time = n, same time, no wildcards";
        MULTIPLE_DIFFERENT_TIMES = 3, "size of execution_time = n, different times, no wildcards";
        MULTIPLE_SAME_TIME_WILDCARDS = 4, "size of execution_time = n, same time, wildcards in date allowed";
        MULTIPLE_DIFFERENT_TIMES_WILDCARDS = 5, "size of execution_time = n, different times, wildcards in date allowed";
    }
}

/// One execution time: `structure { time octet-string, date octet-string }`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ExecutionTime {
    /// Time of day.
    pub time: Time,
    /// Date (may contain wildcards).
    pub date: Date,
}
structure_value!(ExecutionTime, "structure of 2 {time, date}", [time, date]);

interface_class! {
    /// Single action schedule (class 22, version 0). Attribute 3 (`type` in the standard) is
    /// the field `schedule_type`.
    SingleActionSchedule: SINGLE_ACTION_SCHEDULE, version 0;
    attributes {
        2 executed_script: ScriptRef;
        3 schedule_type: ScheduleType;
        4 execution_time: Vec<ExecutionTime>;
    }
    methods {}
}
