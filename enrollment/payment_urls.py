from django.urls import path

from .views import payments

urlpatterns = [
    path("apply/pay/<uuid:public_id>/", payments.payment_page, name="payment"),
    path("apply/pay/<uuid:public_id>/invoice/", payments.payment_invoice, name="payment_invoice"),
    path("apply/pay/<uuid:public_id>/cancel/", payments.payment_cancel, name="payment_cancel"),
]
