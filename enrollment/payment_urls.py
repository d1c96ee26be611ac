from django.urls import path

from .views import card_checkout, documents, payments

urlpatterns = [
    path("apply/pay/<uuid:public_id>/", payments.payment_page, name="payment"),
    path("apply/pay/<uuid:public_id>/invoice/", payments.payment_invoice, name="payment_invoice"),
    path("apply/pay/<uuid:public_id>/cancel/", payments.payment_cancel, name="payment_cancel"),
    path(
        "apply/pay/<uuid:public_id>/card/return/",
        card_checkout.payment_card_return,
        name="payment_stripe_return",
    ),
    path("payments/stripe/webhook/", card_checkout.stripe_webhook, name="stripe_webhook"),
    path(
        "profile/documents/<str:number>.pdf",
        documents.payment_document,
        name="payment_document",
    ),
]
