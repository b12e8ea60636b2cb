"""Survey answers of municipalities (CONTRACT.md §5): CSV/XLSX exports, typed names matched to CBS codes."""

from ingestion.survey.matching import Match, MunicipalityMatcher, UnmatchedName
from ingestion.survey.source import COLUMNS, parse_survey, survey_source

__all__ = ["COLUMNS", "Match", "MunicipalityMatcher", "UnmatchedName", "parse_survey", "survey_source"]
