"""Validation of the forms that collect the customer's data."""

from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import clean_name, parse_identification


class ValidateCustomerDataForm(FormValidationAction):
    def name(self) -> str:
        return "validate_customer_data_form"

    def validate_customer_name(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        name = clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_invalid_customer_name")
            return {"customer_name": None}
        return {"customer_name": name}

    def validate_customer_id_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        identification = parse_identification(str(value or ""))
        if identification is None:
            dispatcher.utter_message(response="utter_invalid_customer_id_number")
            return {"customer_id_number": None}
        return {
            "customer_id_number": identification.number,
            "customer_id_type": identification.type,
        }
